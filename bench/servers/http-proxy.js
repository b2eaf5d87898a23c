// The benchmark's proxy: `FastMCP.asProxy` over the `add` server of bench/servers/fastmcp.js,
// spawned once as a stdio subprocess, served over Streamable HTTP on 127.0.0.1. Forked by
// bench/scenarios/proxy.js (via startServer), which calls through it and compares with calling the
// stdio server directly.
import { execPath } from "node:process";
import { fileURLToPath } from "node:url";
import { FastMCP } from "../../dist/index.js";
import { serveControl } from "./control.js";

const upstream = fileURLToPath(new URL("./fastmcp.js", import.meta.url));
const proxy = FastMCP.asProxy(`"${execPath}" "${upstream}"`, { name: "bench-proxy" });
const listening = await proxy.listen({ transport: "http", host: "127.0.0.1", port: 0 });
serveControl({ modern: listening.url, legacy: listening.url }, async () => {
  await listening.close();
  await proxy.close();
});
