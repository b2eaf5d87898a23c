/**
 * The client side of examples/context-server.ts: shows its logs and progress, and answers its
 * question (an elicitation) as a user would.
 *
 *   npx tsx examples/context-client.ts
 */
import { Client, StdioTransport } from "fastmcp-ts";

const server = new StdioTransport(process.execPath, ["--import", "tsx", "examples/context-server.ts"]);

await using client = await Client.connect(server, {
  onLog: (log) => console.log(`log ${log.level}: ${String(log.data)}`),
  // The server asks the user something: answer with data matching request.requestedSchema,
  // or { action: "decline" } / { action: "cancel" }.
  elicitation: (request) => {
    console.log(`asked: ${request.message}`);
    return { action: "accept", data: { people: 4 } }; // `vegetarian` takes its default
  },
});

const imported = await client.callTool(
  "import_files",
  { count: 3 },
  { onProgress: (progress, total, message) => console.log(`progress ${progress}/${total} ${message}`) },
);
console.log(imported.text);

const booked = await client.callTool("book_table", { day: "Friday" });
console.log(booked.text);
