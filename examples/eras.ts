/**
 * Both protocol eras against one endpoint. A FastMCP server answers the stateless 2026-07-28
 * revision and the initialize-based 2024-11-05 to 2025-11-25 revisions at the same URL; a Client
 * negotiates the newest both sides speak, or is pinned to one revision. Handlers are written once:
 * `ctx.elicit()` is an input-required round in 2026-07-28 and a server-to-client request before.
 *
 *   npx tsx examples/eras.ts
 */
import { Client, FastMCP } from "fastmcp-ts";
import { z } from "zod";

const mcp = new FastMCP({ name: "Two Eras", version: "1.0.0" });
mcp.tool("era", { description: "Which revision this request came in." }, (_args, ctx) => {
  return `${ctx.protocolVersion} (${ctx.era}), session ${ctx.sessionId ?? "none"}`;
});
mcp.tool("confirm", { description: "Asks the user to confirm." }, async (_args, ctx) => {
  const answer = await ctx.elicit("Proceed?", z.object({ ok: z.boolean() }));
  return answer.action === "accept" && answer.data.ok ? "confirmed" : "not confirmed";
});

const server = await mcp.listen({ transport: "http", port: 0 }); // port 0: any free port
try {
  const elicitation = () => ({ action: "accept" as const, data: { ok: true } });
  for (const protocolVersion of [undefined, "2025-11-25", "2024-11-05"]) {
    await using client = await Client.connect(server.url, {
      elicitation,
      ...(protocolVersion ? { protocolVersion } : {}),
    });
    const label = protocolVersion ? `pinned to ${protocolVersion}` : "negotiated";
    console.log(`${label.padEnd(22)} ${client.protocolVersion} ${client.era} era`);
    console.log(`  server saw            ${(await client.callTool("era")).text}`);
    console.log(`  elicitation           ${(await client.callTool("confirm")).text}`);
  }
} finally {
  await server.close();
}
