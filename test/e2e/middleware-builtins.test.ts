/**
 * The built-in middleware (fastmcp-ts/middleware) and the chain's own rules, through real clients:
 * in memory, and over HTTP where the caller's identity (a bearer token) matters. Clocks are
 * injected, so nothing waits for time to pass.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BearerAuth,
  Client,
  ErrorCode,
  FastMCP,
  type ListeningServer,
  McpError,
  StaticTokenVerifier,
  ToolError,
} from "../../src/index.js";
import {
  errorHandling,
  logging,
  type Middleware,
  RATE_LIMITED,
  rateLimit,
  responseCache,
  responseLimit,
  type TimingEvent,
  timing,
} from "../../src/middleware/index.js";
import { expectMcpError } from "../helpers/matrix-rig.js";
import { LEGACY } from "../helpers/protocol.js";

/** A clock a test moves by hand. */
function manualClock(start = 1_000) {
  let time = start;
  return {
    now: () => time,
    advance: (ms: number) => {
      time += ms;
    },
  };
}

/** A server with an `add` tool, the given middleware, and a connected client (modern unless legacy). */
async function serve(middleware: Middleware[], legacy = false, setup?: (mcp: FastMCP) => void) {
  const mcp = new FastMCP("builtins");
  mcp.tool(
    "add",
    { inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } } },
    ({ a, b }) => a + b,
  );
  setup?.(mcp);
  mcp.use(...middleware);
  const client = new Client(mcp, legacy ? { protocolVersion: LEGACY } : {});
  await client.connect();
  return { mcp, client, [Symbol.asyncDispose]: () => client.close() };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("the chain", () => {
  it("runs initialize, server/discover and ping through onRequest", async () => {
    const seen: string[] = [];
    const record: Middleware = {
      onRequest(ctx, next) {
        seen.push(`${ctx.method}:${ctx.era}`);
        return next();
      },
    };
    {
      await using legacy = await serve([record], true);
      await legacy.client.ping();
    }
    expect(seen).toEqual(["initialize:legacy", "ping:legacy"]);
    seen.length = 0;
    await using modern = await serve([record]);
    await modern.client.callTool("add", { a: 1, b: 2 });
    expect(seen[0]).toBe("server/discover:modern");
    expect(seen.at(-1)).toBe("tools/call:modern");
  });

  it("refuses a second next() instead of running the handler twice", async () => {
    let runs = 0;
    await using server = await serve(
      [
        {
          name: "twice",
          async onCallTool(_ctx, next) {
            await next();
            return next();
          },
        },
      ],
      false,
      (mcp) =>
        mcp.tool("count", () => {
          runs++;
          return runs;
        }),
    );
    const error = await expectMcpError(server.client.callTool("count"), ErrorCode.InternalError);
    expect(error.message).toContain('Middleware "twice" called next() more than once');
    expect(runs).toBe(1);
  });

  it("lets onRequest replace params before the method's hook and the handler", async () => {
    await using server = await serve([
      {
        async onRequest(ctx, next) {
          if (ctx.method === "tools/call") ctx.params = { ...ctx.params, arguments: { a: 40, b: 2 } };
          return next();
        },
        async onCallTool(ctx, next) {
          expect(ctx.arguments).toEqual({ a: 40, b: 2 });
          return next();
        },
      },
    ]);
    expect((await server.client.callTool("add", { a: 1, b: 1 })).text).toBe("42");
  });

  it("turns a ToolError thrown by onRequest during tools/call into an isError result", async () => {
    await using server = await serve([
      {
        async onRequest(ctx, next) {
          if (ctx.method === "tools/call") throw new ToolError("quota used up");
          return next();
        },
      },
    ]);
    const result = await server.client.callTool("add", { a: 1, b: 2 }, { raiseOnError: false });
    expect(result.isError).toBe(true);
    expect(result.text).toBe("quota used up");
  });

  it("hides a resource template a list hook filters out", async () => {
    await using server = await serve(
      [
        {
          onListResourceTemplates: async (_ctx, next) =>
            (await next()).filter((t) => !t.uriTemplate.startsWith("secret")),
        },
      ],
      true,
      (mcp) => {
        mcp.resource("secret://{id}", ({ id }) => `secret ${id}`);
        mcp.resource("open://{id}", ({ id }) => `open ${id}`);
      },
    );
    expect((await server.client.listResourceTemplates()).map((t) => t.uriTemplate)).toEqual(["open://{id}"]);
    expect((await server.client.readResource("open://1")).text).toBe("open 1");
    await expectMcpError(server.client.readResource("secret://1"), ErrorCode.ResourceNotFound);
  });
});

describe("timing()", () => {
  it("reports each request's duration from the injected clock, and failures as not ok", async () => {
    const clock = manualClock();
    const events: TimingEvent[] = [];
    const slow: Middleware = {
      async onCallTool(ctx, next) {
        clock.advance(25);
        if (ctx.name === "boom") throw new McpError(-32050, "boom");
        return next();
      },
    };
    await using server = await serve([timing({ now: clock.now, onTiming: (e) => events.push(e) }), slow]);
    events.length = 0;
    await server.client.callTool("add", { a: 1, b: 2 });
    await expectMcpError(server.client.callTool("boom"), -32050);
    expect(events).toEqual([
      { method: "tools/call", target: "add", durationMs: 25, ok: true, transport: "memory" },
      { method: "tools/call", target: "boom", durationMs: 25, ok: false, transport: "memory" },
    ]);
  });

  it("logs a line per request when given no callback", async () => {
    const lines: string[] = [];
    await using server = await serve([timing({ logger: (line) => lines.push(line) })]);
    await server.client.callTool("add", { a: 1, b: 2 });
    expect(lines.at(-1)).toMatch(/^\[timing\] tools\/call add \d+\.\dms$/);
  });
});

describe("logging()", () => {
  it("logs request and response summaries, with payloads cut to the limit", async () => {
    const lines: string[] = [];
    await using server = await serve([
      logging({ logger: (line) => lines.push(line), payloads: true, maxPayloadLength: 30 }),
    ]);
    lines.length = 0;
    await server.client.callTool("add", { a: 1, b: 2 });
    await expectMcpError(server.client.callTool("nope"), ErrorCode.InvalidParams);
    expect(lines[0]).toMatch(/^\[mcp\] -> tools\/call add \{.*\.\.\. \(\d+ chars\)$/);
    expect(lines[0]?.length).toBeLessThan(80);
    expect(lines[1]).toMatch(/^\[mcp\] <- tools\/call add ok \{"content":/);
    expect(lines[3]).toBe("[mcp] <- tools/call nope error -32602 Unknown tool: nope");
  });

  it("logs client notifications, and by default writes to stderr, never stdout", async () => {
    const lines: string[] = [];
    await using server = await serve([logging({ logger: (line) => lines.push(line) })], true);
    expect(lines).toContain("[mcp] notification notifications/initialized");

    const stdout = process.stdout.write;
    const errors: unknown[] = [];
    const consoleError = console.error;
    let wroteStdout = false;
    process.stdout.write = ((...args: Parameters<typeof stdout>) => {
      wroteStdout = true;
      return stdout.apply(process.stdout, args);
    }) as typeof stdout;
    console.error = (...args: unknown[]) => void errors.push(args.join(" "));
    try {
      await using quiet = await serve([logging()]);
      await quiet.client.callTool("add", { a: 1, b: 2 });
    } finally {
      process.stdout.write = stdout;
      console.error = consoleError;
    }
    expect(wroteStdout).toBe(false);
    expect(errors).toContain("[mcp] -> tools/call add");
    void server;
  });
});

describe("rateLimit()", () => {
  it("allows the burst, then answers -32000 'rate limit' until tokens refill", async () => {
    const clock = manualClock();
    await using server = await serve([rateLimit({ perSecond: 2, burst: 3, now: clock.now })]);
    clock.advance(10_000); // refill after connect's requests
    for (let i = 0; i < 3; i++) await server.client.callTool("add", { a: i, b: 0 });
    const error = await expectMcpError(server.client.callTool("add", { a: 1, b: 1 }), RATE_LIMITED);
    expect(error.message).toContain("rate limit");
    expect(error.data).toEqual({ retryAfterMs: 500 });
    clock.advance(500); // one token at 2 per second
    expect((await server.client.callTool("add", { a: 1, b: 1 })).text).toBe("2");
    await expectMcpError(server.client.callTool("add", { a: 1, b: 1 }), RATE_LIMITED);
  });

  it("keeps at most maxKeys buckets, evicting the least recently used", async () => {
    const clock = manualClock();
    await using server = await serve([
      rateLimit({
        perSecond: 1,
        burst: 1,
        now: clock.now,
        maxKeys: 2,
        key: (ctx) => String((ctx.params.arguments as { a?: number } | undefined)?.a ?? "other"),
      }),
    ]);
    await server.client.callTool("add", { a: 1, b: 0 });
    await expectMcpError(server.client.callTool("add", { a: 1, b: 0 }), RATE_LIMITED);
    // Two other keys push key 1 out; it comes back with a full bucket.
    await server.client.callTool("add", { a: 2, b: 0 });
    await server.client.callTool("add", { a: 3, b: 0 });
    expect((await server.client.callTool("add", { a: 1, b: 0 })).text).toBe("1");
  });
});

describe("errorHandling()", () => {
  const thrower = (error: unknown): Middleware => ({
    async onCallTool(ctx, next) {
      if (ctx.name === "fail") throw error;
      return next();
    },
  });
  const setup = (mcp: FastMCP) => mcp.tool("fail", () => "unreached");

  it("turns an unexpected error into a bare -32603 and reports it", async () => {
    const reported: unknown[] = [];
    const secret = new Error("password=hunter2 at /srv/db.ts");
    await using server = await serve(
      [errorHandling({ onError: (error) => reported.push(error) }), thrower(secret)],
      false,
      setup,
    );
    const error = await expectMcpError(server.client.callTool("fail"), ErrorCode.InternalError);
    expect(error.message).toBe("Internal error");
    expect(error.data).toBeUndefined();
    expect(reported).toEqual([secret]);
  });

  it("keeps the message when maskDetails is false, passes McpErrors through, and applies transform", async () => {
    await using plain = await serve(
      [errorHandling({ maskDetails: false, onError: () => {} }), thrower(new Error("disk full"))],
      false,
      setup,
    );
    expect((await expectMcpError(plain.client.callTool("fail"), ErrorCode.InternalError)).message).toBe(
      "Internal error: disk full",
    );
    await using passing = await serve(
      [errorHandling({ onError: () => {} }), thrower(new McpError(-32077, "teapot"))],
      false,
      setup,
    );
    expect((await expectMcpError(passing.client.callTool("fail"), -32077)).message).toBe("teapot");
    await using mapped = await serve(
      [
        errorHandling({
          onError: () => {},
          transform: (error) =>
            error instanceof RangeError ? new McpError(ErrorCode.InvalidParams, error.message) : undefined,
        }),
        thrower(new RangeError("out of range")),
      ],
      false,
      setup,
    );
    expect((await expectMcpError(mapped.client.callTool("fail"), ErrorCode.InvalidParams)).message).toBe(
      "out of range",
    );
  });
});

describe("responseCache()", () => {
  function counting() {
    const counts = new Map<string, number>();
    const middleware: Middleware = {
      onRequest(ctx, next) {
        const key = ctx.method === "tools/call" ? `call ${String(ctx.params.name)}` : ctx.method;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        return next();
      },
    };
    return { counts, middleware };
  }

  it("caches read-only tool calls, lists and reads for ttlMs; never other tools", async () => {
    const clock = manualClock();
    const { counts, middleware } = counting();
    const cache = responseCache({ ttlMs: 1000, now: clock.now });
    let version = 0;
    await using server = await serve([cache, middleware], false, (mcp) => {
      mcp.tool("ro", { annotations: { readOnlyHint: true } }, () => `v${version}`);
      mcp.tool("rw", () => `v${version}`);
      mcp.resource("data://x", () => `data ${version}`);
    });
    const { client } = server;
    await client.callTool("ro", { q: 1 });
    version = 1;
    expect((await client.callTool("ro", { q: 1 })).text).toBe("v0");
    expect((await client.callTool("ro", { q: 2 })).text).toBe("v1");
    expect((await client.callTool("rw")).text).toBe("v1");
    version = 2;
    expect((await client.callTool("rw")).text).toBe("v2");
    expect(counts.get("call ro")).toBe(2);
    expect(counts.get("call rw")).toBe(2);

    expect((await client.readResource("data://x")).text).toBe("data 2");
    version = 3;
    expect((await client.readResource("data://x")).text).toBe("data 2");
    await client.listTools();
    await client.listTools();
    expect(counts.get("tools/list")).toBe(1);

    clock.advance(1000);
    expect((await client.callTool("ro", { q: 1 })).text).toBe("v3");
    expect((await client.readResource("data://x")).text).toBe("data 3");
    expect(cache.stats.hits).toBe(3);
  });

  it("is emptied when a list changes", async () => {
    const clock = manualClock();
    const { counts, middleware } = counting();
    await using server = await serve([responseCache({ ttlMs: 60_000, now: clock.now }), middleware]);
    expect((await server.client.listTools()).map((tool) => tool.name)).toEqual(["add"]);
    server.mcp.tool("later", () => "later");
    expect((await server.client.listTools()).map((tool) => tool.name)).toEqual(["add", "later"]);
    expect(counts.get("tools/list")).toBe(2);
  });

  it("keeps at most maxEntries answers and does not cache isError results", async () => {
    const clock = manualClock();
    const { counts, middleware } = counting();
    const cache = responseCache({ ttlMs: 60_000, now: clock.now, maxEntries: 2 });
    await using server = await serve([cache, middleware], false, (mcp) => {
      mcp.tool("ro", { annotations: { readOnlyHint: true } }, ({ n }: { n?: number }) => {
        if (n === 0) throw new ToolError("zero");
        return n;
      });
    });
    for (const n of [1, 2, 3, 1]) await server.client.callTool("ro", { n });
    expect(counts.get("call ro")).toBe(4); // 1 was evicted by 3
    expect(cache.stats.size).toBeLessThanOrEqual(2);
    await failure(server.client.callTool("ro", { n: 0 }));
    await failure(server.client.callTool("ro", { n: 0 }));
    expect(counts.get("call ro")).toBe(6);
  });
});

describe("responseLimit()", () => {
  it("replaces a tool result over maxBytes with an isError result saying so", async () => {
    await using server = await serve([responseLimit({ maxBytes: 200 })], false, (mcp) => {
      mcp.tool("big", () => "x".repeat(500));
    });
    expect((await server.client.callTool("add", { a: 1, b: 2 })).text).toBe("3");
    const result = await server.client.callTool("big", {}, { raiseOnError: false });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(
      /The result of tool big is too large: \d+ bytes, over the limit of 200 bytes/,
    );
  });
});

describe("per-caller identity over HTTP", () => {
  let listening: ListeningServer;
  let mcp: FastMCP;
  const clock = manualClock();
  let calls = 0;
  beforeAll(async () => {
    mcp = new FastMCP({
      name: "identity",
      auth: new StaticTokenVerifier({ "token-a": { clientId: "alice" }, "token-b": { clientId: "bob" } }),
    });
    mcp.tool("who", { annotations: { readOnlyHint: true } }, (_args, ctx) => {
      calls++;
      return `${ctx.auth?.clientId} ${calls}`;
    });
    mcp.use(
      rateLimit({ perSecond: 1, burst: 4, now: clock.now }),
      responseCache({ ttlMs: 60_000, now: clock.now }),
    );
    listening = await mcp.listen({ host: "127.0.0.1", port: 0 });
  });
  afterAll(async () => {
    await listening?.close();
  });

  it("gives each client its own rate-limit bucket and its own cache entries", async () => {
    const connect = async (token: string) => {
      const client = new Client(listening.url, { auth: new BearerAuth(token) });
      await client.connect();
      return client;
    };
    const alice = await connect("token-a");
    const bob = await connect("token-b");
    try {
      clock.advance(10_000);
      expect((await alice.callTool("who")).text).toBe("alice 1");
      expect((await bob.callTool("who")).text).toBe("bob 2");
      expect((await alice.callTool("who")).text).toBe("alice 1"); // alice's cached answer
      // Spend alice's bucket (the client also sends requests of its own, so count none of them).
      let limited: unknown;
      for (let i = 0; i < 10 && !limited; i++) limited = await failure(alice.callTool("who"));
      expect(limited).toBeInstanceOf(McpError);
      expect((limited as McpError).code).toBe(RATE_LIMITED);
      expect((await bob.callTool("who")).text).toBe("bob 2"); // bob's bucket and cache are his own
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });
});
