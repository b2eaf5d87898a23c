/**
 * `npm start`: a FastMCP server and a Client talking in memory, over stdio (a real subprocess),
 * and over Streamable HTTP, SSE and WebSocket (real sockets on 127.0.0.1), in both protocol eras,
 * printing what they exchanged.
 */
import { Client, type ClientOptions, StdioTransport, type ToolError } from "fastmcp-ts";
import { demoServer } from "./demo-server.js";

const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const show = (label: string, value: unknown) =>
  console.log(`  ${label.padEnd(34)} ${typeof value === "string" ? value : JSON.stringify(value)}`);

async function exchange(title: string, client: Client): Promise<void> {
  const started = performance.now();
  await client.connect();
  console.log(`\n${bold(title)}`);
  show("connected, protocol", `${client.protocolVersion} (${client.era} era)`);
  show("server", `${client.serverInfo?.name} ${client.serverInfo?.version}`);
  show(
    "tools/list",
    (await client.listTools()).map((tool) => tool.name),
  );
  show("tools/call add {a: 5, b: 3}", (await client.callTool("add", { a: 5, b: 3 })).text);
  const weather = await client.callTool(
    "weather",
    { city: "Lisbon" },
    {
      onProgress: (progress, total, message) => show("  progress", `${progress}/${total} ${message}`),
    },
  );
  show("tools/call weather → .data", weather.data);
  try {
    await client.callTool("divide", { a: 1, b: 0 });
  } catch (error) {
    show("tools/call divide by 0 → ToolError", (error as ToolError).message);
  }
  show("tools/call book (asks the user)", (await client.callTool("book", { city: "Porto" })).text);
  show("resources/read config://app", (await client.readResource("config://app")).content);
  show("resources/read users://7/profile", (await client.readResource("users://7/profile")).json());
  show("prompts/get greet", (await client.getPrompt("greet", { name: "Ada" })).text);
  await client.close();
  show("closed after", `${(performance.now() - started).toFixed(0)} ms`);
}

const logs: ClientOptions = {
  onLog: (log) => show("  log", `${log.level}: ${JSON.stringify(log.data)}`),
  elicitation: (request) => {
    show("  elicitation asked", request.message);
    return { action: "accept", data: { nights: 3 } };
  },
};

await exchange("In memory, 2026-07-28", new Client(demoServer, logs));
await exchange(
  "In memory, pinned to 2025-11-25",
  new Client(demoServer, { ...logs, protocolVersion: "2025-11-25" }),
);
const stdio = () =>
  new StdioTransport(process.execPath, ["--import", "tsx", "examples/demo-server.ts"], { stderr: "pipe" });
await exchange("Over stdio (a real subprocess), negotiated", new Client(stdio(), logs));
await exchange(
  "Over stdio, pinned to 2025-06-18",
  new Client(stdio(), { ...logs, protocolVersion: "2025-06-18" }),
);

const listening = await demoServer.listen({ transport: ["http", "sse", "ws"], port: 0 });
try {
  await exchange(
    `Over Streamable HTTP (${listening.urls.http}), negotiated`,
    new Client(listening.urls.http as string, logs),
  );
  await exchange(
    "Over Streamable HTTP, pinned to 2025-11-25 (a session)",
    new Client(listening.urls.http as string, { ...logs, protocolVersion: "2025-11-25" }),
  );
  await exchange(
    `Over the legacy SSE transport (${listening.urls.sse})`,
    new Client(listening.urls.sse as string, logs),
  );
  await exchange(`Over WebSocket (${listening.urls.ws})`, new Client(listening.urls.ws as string, logs));

  console.log(`\n${bold("Change notifications (subscriptions/listen over HTTP)")}`);
  await using client = await Client.connect(listening.urls.http as string);
  await using changes = await client.listen({ toolsListChanged: true });
  show("listening for", changes.acknowledged);
  const next = changes.next();
  const handle = demoServer.tool("temporary", () => "here for a moment");
  show("server added a tool, client got", (await next).value?.method);
  show(
    "tools/list now",
    (await client.listTools()).map((tool) => tool.name),
  );
  handle.remove();
} finally {
  await listening.close();
}
