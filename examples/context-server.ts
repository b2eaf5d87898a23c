/**
 * What a handler can do through its context (the second argument): log to the client, report
 * progress, and ask the user a question (elicitation). The same code works in both protocol eras.
 *
 *   npx tsx examples/context-client.ts       # starts this server over stdio and answers its questions
 */
import { FastMCP } from "fastmcp-ts";
import { z } from "zod";

const mcp = new FastMCP({ name: "Context Server", version: "1.0.0" });

mcp.tool(
  "import_files",
  {
    description: "Pretends to import some files.",
    inputSchema: z.object({ count: z.number().int().min(1) }),
  },
  async ({ count }, ctx) => {
    ctx.info(`importing ${count} files`); // a log message (debug, info, notice, warning, error)
    for (let done = 1; done <= count; done++) {
      if (ctx.signal.aborted) return "cancelled"; // the client cancelled or went away
      ctx.reportProgress(done, count, `file ${done}`); // sent only if the client asked for progress
    }
    return `imported ${count} files`;
  },
);

mcp.tool(
  "book_table",
  { description: "Books a table; asks how many people come.", inputSchema: z.object({ day: z.string() }) },
  async ({ day }, ctx) => {
    const answer = await ctx.elicit(
      `How many people on ${day}?`,
      z.object({ people: z.number().int().min(1), vegetarian: z.boolean().default(false) }),
    );
    if (answer.action !== "accept") return `No booking (${answer.action})`;
    const { people, vegetarian } = answer.data;
    return `Table for ${people} on ${day}${vegetarian ? ", vegetarian" : ""}`;
  },
);

export default mcp;

if (import.meta.url === `file://${process.argv[1]}`) await mcp.run();
