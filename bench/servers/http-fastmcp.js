// The benchmark's fastmcp-ts network server: the `add` server of bench/servers/fastmcp.js served by
// `mcp.listen()` on 127.0.0.1 with all three network transports on one port:
//   /mcp  Streamable HTTP (2026-07-28 stateless, legacy sessions after initialize)
//   /sse  legacy HTTP+SSE (messages to /messages?session_id=...)
//   /ws   WebSocket
// With `--store=redis://host:port` (and `--prefix=`, default "bench:") it keeps its state in a
// RedisStore, so several of these processes on one Redis and prefix act as one server
// (bench/scenarios/scale-out.js).
// Forked by bench/scenarios/http.js, which talks to it through bench/servers/control.js.
import { argv } from "node:process";
import { serveControl } from "./control.js";
import { createServer } from "./fastmcp.js";

const option = (name) =>
  argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) || undefined;
const storeUrl = option("store");
const store = storeUrl
  ? new (await import("../../dist/stores/redis/index.js")).RedisStore({
      url: storeUrl,
      prefix: option("prefix") ?? "bench:",
    })
  : undefined;

const listening = await createServer().listen({
  transport: ["http", "sse", "ws"],
  host: "127.0.0.1",
  port: 0,
  // Every benchmark session comes from the one load client, on one address: lift the per-client
  // bound (default 100) that would otherwise end the earliest of the 1000 sessions it measures.
  maxSessionsPerClient: 100_000,
  ...(store ? { store } : {}),
});
serveControl(
  {
    modern: listening.urls.http,
    legacy: listening.urls.http,
    sse: listening.urls.sse,
    ws: listening.urls.ws,
  },
  async () => {
    await listening.close();
    await store?.close();
  },
);
