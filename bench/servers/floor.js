// Cold-start floor, not an MCP library: Node plus the same zod import and schema as the other
// servers, answering `server/discover` and `tools/call` with canned lines. No real server can start
// faster than this on the same machine; the gap to it is what a framework costs at startup.
import { createInterface } from "node:readline";
import { z } from "zod";

const schema = z.object({ a: z.number(), b: z.number() });
const meta = { "io.modelcontextprotocol/serverInfo": { name: "bench-floor", version: "1.0.0" } };

function answer(request) {
  if (request.method === "server/discover") {
    return {
      supportedVersions: ["2026-07-28"],
      capabilities: { tools: {} },
      resultType: "complete",
      _meta: meta,
    };
  }
  if (request.method === "tools/call") {
    const { a, b } = schema.parse(request.params.arguments);
    return { content: [{ type: "text", text: String(a + b) }], resultType: "complete", _meta: meta };
  }
  return undefined;
}

createInterface({ input: process.stdin }).on("line", (line) => {
  const request = JSON.parse(line);
  if (request.id === undefined) return;
  const result = answer(request);
  const reply = result
    ? { jsonrpc: "2.0", id: request.id, result }
    : { jsonrpc: "2.0", id: request.id, error: { code: -32601, message: "Method not found" } };
  process.stdout.write(`${JSON.stringify(reply)}\n`);
});
