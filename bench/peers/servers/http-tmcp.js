// The benchmark's tmcp network server: the `add` server of ./tmcp.js behind tmcp's own HTTP
// transport (@tmcp/transport-http, web-standard `respond(Request)`), on node:http through
// @hono/node-server's getRequestListener (the adapter the SDK v2 row uses too). One endpoint, both
// eras, as tmcp serves them: 2026-07-28 per-request calls without a session, and 2025-era sessions
// after initialize (its default in-memory session managers).
// Forked by bench/scenarios/http.js, which talks to it through bench/servers/control.js.
import { createServer as createHttpServer } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { HttpTransport } from "@tmcp/transport-http";
import { serveControl } from "../../servers/control.js";
import { createServer } from "./tmcp.js";

const transport = new HttpTransport(createServer(), { path: "/mcp" });
const listener = getRequestListener(
  async (request) => (await transport.respond(request)) ?? new Response(null, { status: 404 }),
  { overrideGlobalObjects: false },
);
const http = createHttpServer(listener);
await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${http.address().port}/mcp`;
serveControl({ modern: url, legacy: url }, async () => {
  http.closeAllConnections();
  http.close();
});
