/**
 * One instance of a scaled-out MCP server. Start as many as you like behind a load balancer with
 * no sticky sessions: they share one Redis, so any instance serves any client, legacy sessions
 * included. `whoami` shows which instance answered; `remember` and `recall` keep per-session
 * values (ctx.setState / ctx.getState), readable from every instance (a 2026-07-28 request has no
 * session: there a value lasts for its request only).
 *
 *   redis-server --port 6379 &                                   # or: docker run -p 6379:6379 redis:7
 *   HOSTNAME=a PORT=8001 npx tsx examples/deploy/server.ts &
 *   HOSTNAME=b PORT=8002 npx tsx examples/deploy/server.ts &
 *
 * Reads REDIS_URL (default redis://127.0.0.1:6379), HOST (0.0.0.0), PORT (8080) and HOSTNAME (the
 * instance's name: Docker and Kubernetes set it to the container's or pod's); `run()` itself reads
 * FASTMCP_SHUTDOWN_TIMEOUT_MS (10000), the time requests in flight get to finish after SIGTERM.
 * docker-compose.yml and k8s.yaml beside this file run three of them; see README.md.
 */
import { hostname } from "node:os";
import { FastMCP } from "fastmcp-ts";
import { RedisStore } from "fastmcp-ts/redis";
import { z } from "zod";

const instance = process.env.HOSTNAME ?? hostname();

const store = new RedisStore({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
const mcp = new FastMCP({ name: "Deploy Example", version: "1.0.0", store });

mcp.tool("whoami", { description: "The instance that served this call." }, () => instance);

mcp.tool(
  "remember",
  {
    description: "Keep a value for this session, on whichever instance asks next.",
    inputSchema: z.object({ key: z.string(), value: z.string() }),
  },
  async ({ key, value }, ctx) => {
    await ctx.setState(key, value);
    return `${instance} stored ${key}`;
  },
);

mcp.tool(
  "recall",
  { description: "A value this session kept.", inputSchema: z.object({ key: z.string() }) },
  async ({ key }, ctx) => `${instance}: ${(await ctx.getState<string>(key)) ?? "(nothing)"}`,
);

// Serves until SIGTERM, then drains (GET /health answers 503 meanwhile) and resolves.
await mcp.run({
  transport: "http",
  host: process.env.HOST ?? "0.0.0.0",
  port: Number(process.env.PORT ?? 8080),
});
await store.close();
