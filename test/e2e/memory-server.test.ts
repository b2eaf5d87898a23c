/**
 * The server's features end to end through the in-memory transport, in both protocol eras.
 */
import { type } from "arktype";
import * as v from "valibot";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Client,
  type ClientOptions,
  Context,
  FastMCP,
  Image,
  LATEST_PROTOCOL_VERSION,
  McpError,
  MetaKey,
  ToolError,
} from "../../src/index.js";

const ERAS: [string, ClientOptions][] = [
  ["modern (2026-07-28)", {}],
  ["legacy (2025-11-25)", { protocolVersion: "2025-11-25" }],
];

const open: Client[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close()));
});

async function connect(mcp: FastMCP, options: ClientOptions = {}): Promise<Client> {
  const client = new Client(mcp, options);
  open.push(client);
  await client.connect();
  return client;
}

describe("the seed example", () => {
  it("works word for word", async () => {
    const mcp = new FastMCP("Test Server");
    mcp.tool(
      "add",
      { description: "Add two numbers.", inputSchema: z.object({ a: z.number(), b: z.number() }) },
      ({ a, b }) => a + b,
    );
    mcp.resource("config://test", () => ({ test: true, env: "development" }));

    const client = new Client(mcp);
    await client.connect();
    const tools = await client.listTools();
    expect(tools).toHaveLength(1);
    expect(tools[0]?.name).toBe("add");
    const result = await client.callTool("add", { a: 5, b: 3 });
    expect(result.text).toBe("8");
    const config = await client.readResource("config://test");
    expect(config.content.includes("test")).toBe(true);
    await client.close();
  });
});

describe.each(ERAS)("in the %s era", (_era, options) => {
  it("negotiates the expected version", async () => {
    const client = await connect(new FastMCP("s"), options);
    expect(client.protocolVersion).toBe(options.protocolVersion ?? "2026-07-28");
    expect(client.serverInfo?.name).toBe("s");
  });

  it("registers tools in all three forms and lists them in registration order", async () => {
    const mcp = new FastMCP("forms");
    mcp.tool("ping", () => "pong");
    mcp.tool("add", { inputSchema: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => a + b);
    mcp.tool({
      name: "hello",
      description: "Say hello.",
      inputSchema: z.object({ name: z.string() }),
      handler: ({ name }) => `Hello, ${name}!`,
    });
    const client = await connect(mcp, options);
    expect((await client.listTools()).map((tool) => tool.name)).toEqual(["ping", "add", "hello"]);
    expect((await client.callTool("ping")).text).toBe("pong");
    expect((await client.callTool("hello", { name: "Ada" })).text).toBe("Hello, Ada!");
  });

  it("converts return values as API.md describes", async () => {
    const mcp = new FastMCP("values");
    mcp.tool("number", () => 8);
    mcp.tool("bool", () => false);
    mcp.tool("object", () => ({ city: "Paris", temp: 21 }));
    mcp.tool("blocks", () => [
      { type: "text", text: "one" },
      { type: "text", text: "two" },
    ]);
    mcp.tool("image", () => new Image({ data: new Uint8Array([1, 2, 3]), format: "png" }));
    mcp.tool("nothing", () => undefined);
    const client = await connect(mcp, options);
    expect((await client.callTool("number")).text).toBe("8");
    expect((await client.callTool("bool")).text).toBe("false");
    const object = await client.callTool("object");
    expect(object.structuredContent).toEqual({ city: "Paris", temp: 21 });
    expect(object.data).toEqual({ city: "Paris", temp: 21 });
    expect(JSON.parse(object.text)).toEqual({ city: "Paris", temp: 21 });
    const blocks = await client.callTool("blocks");
    expect(blocks.content).toHaveLength(2);
    expect(blocks.text).toBe("one\ntwo");
    const image = await client.callTool("image");
    expect(image.content[0]).toEqual({ type: "image", data: "AQID", mimeType: "image/png" });
    expect((await client.callTool("nothing")).content).toEqual([]);
  });

  it("declares structured output and wraps non-object outputs", async () => {
    const mcp = new FastMCP("output");
    mcp.tool(
      "weather",
      {
        inputSchema: z.object({ city: z.string() }),
        outputSchema: z.object({ city: z.string(), celsius: z.number() }),
      },
      ({ city }) => ({ city, celsius: 21 }),
    );
    mcp.tool("count", { outputSchema: z.number() }, () => 42);
    // The compile-time check refuses this handler (tsc fails if it stops doing so); the run-time one still runs.
    // @ts-expect-error: the return value does not match the outputSchema
    mcp.tool("liar", { outputSchema: z.object({ n: z.number() }) }, () => ({ n: "not a number" }));
    const client = await connect(mcp, options);
    const tools = await client.listTools();
    expect(tools[0]?.outputSchema).toMatchObject({ type: "object", required: ["city", "celsius"] });
    expect(tools[1]?.outputSchema).toMatchObject({
      type: "object",
      properties: { result: { type: "number" } },
    });
    expect((await client.callTool("weather", { city: "Oslo" })).data).toEqual({ city: "Oslo", celsius: 21 });
    const count = await client.callTool("count");
    expect(count.structuredContent).toEqual({ result: 42 });
    expect(count.data).toBe(42);
    expect(count.text).toBe("42");
    await expect(client.callTool("liar")).rejects.toThrow(/does not match its outputSchema.*n/);
  });

  it("validates arguments before the handler with a message naming the field", async () => {
    const mcp = new FastMCP("validate");
    let calls = 0;
    mcp.tool("add", { inputSchema: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => {
      calls++;
      return a + b;
    });
    const client = await connect(mcp, options);
    const result = await client.callTool("add", { a: "five", b: 3 }, { raiseOnError: false });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/Invalid arguments for tool add: a: .*number/);
    expect(calls).toBe(0);
    await expect(client.callTool("add", { a: 1 })).rejects.toThrow(ToolError);
  });

  it("accepts valibot, arktype and plain JSON Schema", async () => {
    const mcp = new FastMCP("schemas");
    mcp.tool("valibot", { inputSchema: v.object({ n: v.number() }) }, ({ n }) => n * 2);
    mcp.tool("arktype", { inputSchema: type({ s: "string" }) }, ({ s }) => s.toUpperCase());
    const raw = {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      properties: { q: { type: "string", "x-mcp-header": "Query" } },
      required: ["q"],
      additionalProperties: false,
    } as const;
    mcp.tool("json", { inputSchema: raw }, (args) => `q=${args.q}`);
    const client = await connect(mcp, options);
    const tools = await client.listTools();
    expect(tools.find((tool) => tool.name === "json")?.inputSchema).toEqual(raw);
    expect(tools.find((tool) => tool.name === "valibot")?.inputSchema).toMatchObject({
      properties: { n: { type: "number" } },
    });
    expect((await client.callTool("valibot", { n: 4 })).text).toBe("8");
    expect((await client.callTool("arktype", { s: "hi" })).text).toBe("HI");
    expect((await client.callTool("json", { q: "x" })).text).toBe("q=x");
    const bad = await client.callTool("json", { q: "x", extra: 1 }, { raiseOnError: false });
    expect(bad.text).toMatch(/extra/);
    const badArk = await client.callTool("arktype", { s: 1 }, { raiseOnError: false });
    expect(badArk.text).toMatch(/arguments for tool arktype: s/);
  });

  it("reports ToolError messages, and masks other errors only when asked", async () => {
    const plain = new FastMCP("plain");
    plain.tool("tool-error", () => {
      throw new ToolError("bad input, try again");
    });
    plain.tool("boom", () => {
      throw new Error("database password is hunter2");
    });
    const masked = new FastMCP({ name: "masked", maskErrorDetails: true });
    masked.tool("tool-error", () => {
      throw new ToolError("bad input, try again");
    });
    masked.tool("boom", () => {
      throw new Error("database password is hunter2");
    });
    const a = await connect(plain, options);
    const b = await connect(masked, options);
    await expect(a.callTool("tool-error")).rejects.toThrow("bad input, try again");
    expect((await a.callTool("boom", {}, { raiseOnError: false })).text).toContain("hunter2");
    await expect(b.callTool("tool-error")).rejects.toThrow("bad input, try again");
    const hidden = await b.callTool("boom", {}, { raiseOnError: false });
    expect(hidden.isError).toBe(true);
    expect(hidden.text).not.toContain("hunter2");
  });

  it("answers an McpError thrown by a handler as a JSON-RPC error with its code", async () => {
    const mcp = new FastMCP("mcp-error");
    mcp.tool("teapot", () => {
      throw new McpError(-32042, "custom failure", { why: "because" });
    });
    const client = await connect(mcp, options);
    const error = await client.callTool("teapot").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32042);
    expect((error as McpError).data).toEqual({ why: "because" });
  });

  it("rejects an unknown tool with -32602", async () => {
    const client = await connect(new FastMCP("empty"), options);
    const error = await client.callTool("missing").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32602);
    expect((error as McpError).message).toContain("missing");
  });

  it("serves resources, templates and their errors", async () => {
    const mcp = new FastMCP("resources");
    mcp.resource("text://hello", { mimeType: "text/markdown" }, () => "# hi");
    mcp.resource("bin://bytes", () => new Uint8Array([104, 105]));
    mcp.resource("users://{id}/profile", { description: "A profile" }, ({ id }) => ({ id }));
    mcp.resource("files://{path*}", ({ path }) => `file ${path}`);
    mcp.resource("search://items{?q,limit}", ({ q, limit }) => `${q}/${limit}`);
    const client = await connect(mcp, options);
    expect((await client.listResources()).map((r) => r.uri)).toEqual(["text://hello", "bin://bytes"]);
    expect((await client.listResourceTemplates()).map((t) => t.uriTemplate)).toEqual([
      "users://{id}/profile",
      "files://{path*}",
      "search://items{?q,limit}",
    ]);
    const hello = await client.readResource("text://hello");
    expect(hello.contents[0]).toEqual({ uri: "text://hello", mimeType: "text/markdown", text: "# hi" });
    const bytes = await client.readResource("bin://bytes");
    expect(bytes.contents[0]).toMatchObject({ blob: "aGk=", mimeType: "application/octet-stream" });
    expect(new TextDecoder().decode(bytes.bytes)).toBe("hi");
    expect((await client.readResource("users://42/profile")).json()).toEqual({ id: "42" });
    expect((await client.readResource("files://a/b/c.txt")).content).toBe("file a/b/c.txt");
    expect((await client.readResource("search://items?limit=5&q=cats")).content).toBe("cats/5");
    const missing = await client.readResource("nope://x").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(McpError);
    expect((missing as McpError).code).toBe(options.protocolVersion ? -32002 : -32602);
  });

  it("renders prompts from a string, a message or messages, with argument validation", async () => {
    const mcp = new FastMCP("prompts");
    mcp.prompt(
      "greet",
      { description: "Greet", argsSchema: z.object({ name: z.string() }) },
      ({ name }) => `Hello ${name}`,
    );
    mcp.prompt("chat", () => [
      { role: "user", content: "hi" },
      { role: "assistant", content: { type: "text", text: "hello" } },
    ]);
    const client = await connect(mcp, options);
    const prompts = await client.listPrompts();
    expect(prompts[0]).toEqual({
      name: "greet",
      description: "Greet",
      arguments: [{ name: "name", required: true }],
    });
    const greet = await client.getPrompt("greet", { name: "Ada" });
    expect(greet.messages).toEqual([{ role: "user", content: { type: "text", text: "Hello Ada" } }]);
    const chat = await client.getPrompt("chat");
    expect(chat.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    const error = await client.getPrompt("greet", {}).catch((e: unknown) => e);
    expect((error as McpError).code).toBe(-32602);
    expect((error as McpError).message).toMatch(/name/);
  });

  it("completes prompt arguments and template variables", async () => {
    const mcp = new FastMCP("complete");
    mcp.prompt(
      "lang",
      {
        argsSchema: z.object({ language: z.string() }),
        complete: {
          language: (value) => ["python", "typescript", "rust"].filter((l) => l.startsWith(value)),
        },
      },
      ({ language }) => language,
    );
    mcp.resource(
      "repo://{owner}/{name}",
      {
        complete: {
          name: (value, { arguments: args }) => [`${args.owner}-${value}1`, `${args.owner}-${value}2`],
        },
      },
      ({ owner, name }) => `${owner}/${name}`,
    );
    const client = await connect(mcp, options);
    expect(
      (await client.complete({ type: "ref/prompt", name: "lang" }, { name: "language", value: "py" })).values,
    ).toEqual(["python"]);
    const names = await client.complete(
      { type: "ref/resource", uri: "repo://{owner}/{name}" },
      { name: "name", value: "x" },
      { owner: "me" },
    );
    expect(names.values).toEqual(["me-x1", "me-x2"]);
  });

  it("paginates lists with opaque cursors and the client collects every page", async () => {
    const mcp = new FastMCP({ name: "paged", pageSize: 3 });
    for (let i = 0; i < 10; i++) mcp.tool(`t${i}`, () => i);
    const client = await connect(mcp, options);
    const first = await client.request("tools/list");
    expect((first.tools as unknown[]).length).toBe(3);
    expect(typeof first.nextCursor).toBe("string");
    expect((await client.listTools()).map((t) => t.name)).toEqual([...Array(10)].map((_, i) => `t${i}`));
    const bad = await client.request("tools/list", { cursor: "garbage!" }).catch((e: unknown) => e);
    expect((bad as McpError).code).toBe(-32602);
  });

  it("enables, disables, updates and removes components through their handles", async () => {
    const mcp = new FastMCP("handles");
    const tool = mcp.tool("hello", { description: "v1" }, () => "one");
    mcp.tool("other", () => "x");
    const client = await connect(mcp, options);
    tool.disable();
    expect((await client.listTools()).map((t) => t.name)).toEqual(["other"]);
    await expect(client.callTool("hello")).rejects.toThrow(/Unknown tool/);
    tool.enable();
    tool.update({ description: "v2", handler: () => "two" });
    const tools = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(["hello", "other"]);
    expect(tools[0]?.description).toBe("v2");
    expect((await client.callTool("hello")).text).toBe("two");
    tool.remove();
    expect((await client.listTools()).map((t) => t.name)).toEqual(["other"]);
  });

  it("gives handlers a context with the request's identity", async () => {
    const mcp = new FastMCP("ctx");
    mcp.tool("who", (_args, ctx) => ({
      version: ctx.protocolVersion,
      client: ctx.clientInfo?.name,
      era: ctx.era,
      hasId: ctx.requestId !== undefined,
      aborted: ctx.signal.aborted,
      // The exported class, whose members the serving code installed on its prototype.
      isContext: ctx instanceof Context && Object.getPrototypeOf(ctx) === Context.prototype,
      members: ["log", "reportProgress", "elicit", "getState"].every((name) =>
        Object.hasOwn(Context.prototype, name),
      ),
    }));
    mcp.resource("self://config", () => "from resource");
    mcp.tool("nested", async (_args, ctx) => (await ctx.readResource("self://config"))[0]);
    const client = await connect(mcp, { ...options, clientInfo: { name: "tester", version: "9" } });
    expect((await client.callTool("who")).data).toEqual({
      version: options.protocolVersion ?? "2026-07-28",
      client: "tester",
      era: options.protocolVersion ? "legacy" : "modern",
      hasId: true,
      aborted: false,
      isContext: true,
      members: true,
    });
    expect((await client.callTool("nested")).data).toMatchObject({ text: "from resource" });
  });

  it("sends progress and logs during the call", async () => {
    const mcp = new FastMCP("notify");
    mcp.tool("work", async (_args, ctx) => {
      ctx.info("starting");
      for (let i = 1; i <= 3; i++) ctx.reportProgress(i, 3, `step ${i}`);
      ctx.debug("done", { steps: 3 });
      return "ok";
    });
    const logs: unknown[] = [];
    const client = await connect(mcp, { ...options, onLog: (message) => logs.push(message) });
    if (options.protocolVersion) await client.setLoggingLevel("info");
    const progress: [number, number | undefined, string | undefined][] = [];
    await client.callTool("work", {}, { onProgress: (p, t, m) => progress.push([p, t, m]) });
    expect(progress).toEqual([
      [1, 3, "step 1"],
      [2, 3, "step 2"],
      [3, 3, "step 3"],
    ]);
    if (options.protocolVersion) expect(logs).toEqual([{ level: "info", data: "starting" }]);
    else {
      expect(logs).toEqual([
        { level: "info", data: "starting" },
        { level: "debug", data: { message: "done", data: { steps: 3 } } },
      ]);
    }
  });

  it("cancels a handler when the client aborts, and the client gets the abort", async () => {
    const mcp = new FastMCP("cancel");
    let aborted: (value: unknown) => void = () => {};
    const sawAbort = new Promise((resolve) => {
      aborted = resolve;
    });
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    mcp.tool("wait", (_args, ctx) => {
      ctx.signal.addEventListener("abort", () => aborted(true));
      started();
      return new Promise(() => {});
    });
    const client = await connect(mcp, options);
    const controller = new AbortController();
    const call = client.callTool("wait", {}, { signal: controller.signal });
    // Give up once the handler runs (not after a fixed delay, which may come before it starts).
    await running;
    controller.abort(new Error("user gave up"));
    await expect(call).rejects.toThrow("user gave up");
    await expect(sawAbort).resolves.toBe(true);
  });

  it("times out a slow call with TimeoutError and tells the server to stop", async () => {
    const mcp = new FastMCP("timeout");
    let stop: (value: true) => void = () => {};
    const stopped = new Promise<true>((resolve) => {
      stop = resolve;
    });
    mcp.tool("slow", (_args, ctx) => {
      ctx.signal.addEventListener("abort", () => stop(true));
      return new Promise(() => {});
    });
    const client = await connect(mcp, options);
    await expect(client.callTool("slow", {}, { timeout: 30 })).rejects.toMatchObject({
      name: "TimeoutError",
    });
    // The server hears about it (the handler's signal aborts) without a fixed wait.
    await expect(stopped).resolves.toBe(true);
  });
});

describe("ctx.getState / ctx.setState without a store", () => {
  const counter = () => {
    const mcp = new FastMCP("state");
    mcp.tool("count", async (_args, ctx) => {
      const seen = ((await ctx.getState<number>("seen")) ?? 0) + 1;
      await ctx.setState("seen", seen);
      return seen;
    });
    return mcp;
  };

  it.each(ERAS)("keeps values per connection in the %s era, across its calls", async (_era, options) => {
    const mcp = counter();
    const client = await connect(mcp, options);
    expect((await client.callTool("count", {})).text).toBe("1");
    expect((await client.callTool("count", {})).text).toBe("2");
    const other = await connect(mcp, options);
    expect((await other.callTool("count", {})).text).toBe("1");
  });
});

describe("era-specific results", () => {
  it("modern results carry resultType, serverInfo and cache hints; legacy ones do not", async () => {
    const mcp = new FastMCP({ name: "eras", version: "2.0.0", listCache: { ttlMs: 60_000 } });
    mcp.tool("t", () => "x");
    mcp.resource("r://x", () => "x");
    const modern = await connect(mcp);
    const legacy = await connect(mcp, { protocolVersion: "2025-06-18" });
    const list = await modern.request("tools/list");
    expect(list).toMatchObject({
      resultType: "complete",
      ttlMs: 60_000,
      cacheScope: "public",
      _meta: { "io.modelcontextprotocol/serverInfo": { name: "eras", version: "2.0.0" } },
    });
    const read = await modern.request("resources/read", { uri: "r://x" });
    expect(read).toMatchObject({ resultType: "complete", ttlMs: 0, cacheScope: "private" });
    const call = await modern.request("tools/call", { name: "t" });
    expect(call.resultType).toBe("complete");
    const legacyList = await legacy.request("tools/list");
    expect(legacyList).not.toHaveProperty("resultType");
    expect(legacyList).not.toHaveProperty("ttlMs");
    expect(legacy.protocolVersion).toBe("2025-06-18");
  });

  it("tells legacy sessions about list changes", async () => {
    const mcp = new FastMCP("changes");
    const handle = mcp.tool("t", () => "x");
    const seen: string[] = [];
    await connect(mcp, { protocolVersion: "2025-11-25", onNotification: (n) => seen.push(n.method) });
    handle.disable();
    mcp.prompt("p", () => "x");
    mcp.resource("r://y", () => "y");
    expect(seen).toEqual([
      "notifications/tools/list_changed",
      "notifications/prompts/list_changed",
      "notifications/resources/list_changed",
    ]);
  });

  it("serves two clients of different eras at once", async () => {
    const mcp = new FastMCP("both");
    mcp.tool("add", { inputSchema: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => a + b);
    const [modern, legacy] = await Promise.all([
      connect(mcp),
      connect(mcp, { protocolVersion: "2024-11-05" }),
    ]);
    const results = await Promise.all([
      modern.callTool("add", { a: 1, b: 2 }),
      legacy.callTool("add", { a: 3, b: 4 }),
    ]);
    expect(results.map((r) => r.text)).toEqual(["3", "7"]);
    expect([modern.era, legacy.era]).toEqual(["modern", "legacy"]);
  });
});

describe("a server's first request", () => {
  it("is answered by a stateless exchange on a server that never served before", async () => {
    // No run(), listen() or session: the exchange itself loads the request handling.
    const mcp = new FastMCP("first");
    mcp.tool("add", { inputSchema: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => a + b);
    const notified: string[] = [];
    const reply = await mcp.exchange(
      {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: {
          name: "add",
          arguments: { a: 2, b: 3 },
          _meta: {
            [MetaKey.ProtocolVersion]: LATEST_PROTOCOL_VERSION,
            [MetaKey.ClientCapabilities]: {},
          },
        },
      },
      {
        transport: "custom",
        auth: undefined,
        headers: undefined,
        signal: new AbortController().signal,
        notify: (method) => notified.push(method),
      },
    );
    expect(reply).toMatchObject({ id: 1, result: { content: [{ type: "text", text: "5" }] } });
    expect(notified).toEqual([]);
  });
});

describe("hostile params through a raw session", () => {
  /** A session fed raw messages; resolves each request's answer. */
  function rawSession(mcp: FastMCP) {
    const answers = new Map<unknown, (message: Record<string, unknown>) => void>();
    const session = mcp.createSession({
      transport: "memory",
      send: (message) => {
        const reply = message as unknown as Record<string, unknown>;
        answers.get(reply.id)?.(reply);
      },
    });
    let id = 0;
    const request = (method: string, params: Record<string, unknown>) =>
      new Promise<Record<string, unknown>>((resolve) => {
        answers.set(++id, resolve);
        session.receive({ jsonrpc: "2.0", id, method, params });
      });
    return { session, request };
  }

  it("keeps no clientInfo that is not an object naming the client", async () => {
    const mcp = new FastMCP("hostile");
    const { session, request } = rawSession(mcp);
    for (const clientInfo of [5, "me", null, ["x"], { version: "1" }]) {
      const reply = await request("initialize", {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo,
      });
      expect(reply.result).toBeDefined();
      expect(mcp.sessions()[0]?.clientInfo).toBeUndefined();
    }
    session.close();
  });

  it("answers a cursor that is not a string with -32602 Invalid cursor", async () => {
    const mcp = new FastMCP({ name: "hostile", pageSize: 1 });
    mcp.tool("a", () => "a");
    mcp.tool("b", () => "b");
    const { session, request } = rawSession(mcp);
    await request("initialize", { protocolVersion: "2025-11-25", capabilities: {} });
    for (const cursor of [5, {}, ["x"], true]) {
      const reply = await request("tools/list", { cursor });
      expect(reply.error).toMatchObject({ code: -32602, message: "Invalid cursor" });
    }
    session.close();
  });
});
