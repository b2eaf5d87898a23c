/**
 * Per-request handlers (`CallOptions.handlers`): what a server asks and logs on behalf of one
 * request goes to that request's handlers, in place of the client's own. Over 2026-07-28 the input
 * rounds of the request; over a legacy Streamable HTTP session the server-to-client requests and logs
 * that arrive on the request's reply stream. Concurrent calls on one client each get their own.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { FastMCP, type ListeningServer } from "../../src/index.js";
import { closingClients, LEGACY_CLIENT } from "../helpers/clients.js";

function askingServer(): FastMCP {
  const mcp = new FastMCP("asking");
  mcp.tool("ask", { inputSchema: z.object({ who: z.string() }) }, async ({ who }, ctx) => {
    await ctx.info(`asking for ${who}`);
    const sampled = await ctx.sample(`Question for ${who}`);
    return `${who}: ${sampled.text}`;
  });
  return mcp;
}

let listening: ListeningServer;
beforeAll(async () => {
  listening = await askingServer().listen({ transport: "http", host: "127.0.0.1", port: 0 });
});
afterAll(() => listening?.close());

const connect = closingClients();

// Where logs go: to the request's handlers where the transport ties them to it (a reply stream),
// once per run of the tool (a 2026-07-28 tool runs again for each input round); in memory, nothing
// ties a notification to a request, so they go to the client's.
describe.each([
  ["2026-07-28 over Streamable HTTP", () => listening.url, {}, 2],
  ["a legacy Streamable HTTP session", () => listening.url, LEGACY_CLIENT, 1],
  ["2026-07-28 in memory", () => askingServer(), {}, 0],
] as const)("per-request handlers, %s", (_label, target, options, runs) => {
  it("answer for their own request, concurrently, instead of the client's", async () => {
    const logs: Record<string, unknown[]> = { client: [], a: [], b: [] };
    const client = await connect(target(), {
      ...options,
      sampling: () => "from the client",
      onLog: (message) => void logs.client?.push(message.data),
    });
    const call = (who: "a" | "b") =>
      client.callTool(
        "ask",
        { who },
        {
          handlers: {
            sampling: (request) => `answer for ${JSON.stringify(request.messages).includes(who) ? who : "?"}`,
            onLog: (message) => void logs[who]?.push(message.data),
          },
        },
      );
    const [a, b, plain] = await Promise.all([call("a"), call("b"), client.callTool("ask", { who: "c" })]);
    expect(a.text).toBe("a: answer for a");
    expect(b.text).toBe("b: answer for b");
    expect(plain.text).toBe("c: from the client");
    expect(logs.a).toEqual(Array(runs).fill("asking for a"));
    expect(logs.b).toEqual(Array(runs).fill("asking for b"));
    // The call without handlers logs to the client (once per run: twice over 2026-07-28).
    const own = Array(runs === 1 ? 1 : 2).fill("asking for c");
    const elsewhere = runs === 0 ? ["asking for a", "asking for a", "asking for b", "asking for b"] : [];
    expect([...(logs.client ?? [])].sort()).toEqual([...elsewhere, ...own].sort());
  });
});
