/**
 * What `import("fastmcp-ts")` and `import("fastmcp-ts/client")` load: only the module graph a
 * server or a client needs. Never the code of features a user did not ask for (proxies, OpenAPI,
 * server and client OAuth, JOSE, YAML, the CLI), never a network transport or its Node built-ins
 * before it is chosen, never a schema library the user did not use, and never the other side's
 * code from the client entry. A fresh Node process imports the entry (the sources, through tsx)
 * with a load hook that records every module, Node built-ins included; the test fails when a
 * change starts loading one of these eagerly.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../../src/client/client.js";
import { StdioTransport } from "../../src/transports/stdio/client.js";
import { fixture, NODE_SERVER, ROOT } from "../helpers/paths.js";
import { tempDir } from "../helpers/stand-ins.js";

const run = promisify(execFile);

/** Records every module loaded after it, then runs `code` (which may import the entry and use it). */
const recorder = (code: string) => `
import { register } from "node:module";
import { MessageChannel } from "node:worker_threads";
const { port1, port2 } = new MessageChannel();
const seen = [];
port1.on("message", (url) => seen.push(url));
port1.unref();
const hooks = "data:text/javascript," + encodeURIComponent(\`
  let port;
  export function initialize(data) { port = data.port; }
  export async function load(url, context, next) { port.postMessage(url); return next(url, context); }
\`);
register(hooks, { data: { port: port2 }, transferList: [port2] });
${code}
await new Promise((resolve) => setImmediate(resolve));
process.stdout.write(JSON.stringify({ seen, result: globalThis.graphResult ?? null }));
`;

/**
 * The modules `code` loads (paths relative to the repository, `node:` built-ins as they are) and what
 * it left in `globalThis.graphResult`. `code` finds the repository in `process.argv[1]`.
 */
async function graphOf(code: string): Promise<{ modules: string[]; result: unknown }> {
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", recorder(code), ROOT],
    { cwd: ROOT, timeout: 60_000 },
  );
  const { seen, result } = JSON.parse(stdout) as { seen: string[]; result: unknown };
  // Repository files relative to it; others (a symlinked node_modules resolves elsewhere) in full.
  const modules = seen.map((url) => {
    if (!url.startsWith("file:")) return url;
    const path = fileURLToPath(url);
    return path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
  });
  return { modules, result };
}

/** The modules `import(entry)` loads. */
async function importOf(entry: string): Promise<string[]> {
  return (await graphOf(`await import(process.argv[1] + ${JSON.stringify(entry)});`)).modules;
}

/** Node built-ins that only a chosen transport (or feature) needs: network, processes, files, crypto. */
const TRANSPORT_BUILTINS =
  /^node:(http|https|http2|net|tls|dgram|child_process|crypto|zlib|fs|fs\/promises)$/;
/** Schema libraries and the JSON Schema validator: loaded when a schema of theirs is seen. */
const SCHEMA_LIBRARIES = [
  /node_modules\/zod\//,
  /node_modules\/valibot\//,
  /node_modules\/@valibot\/to-json-schema\//,
  /node_modules\/arktype\//,
  /node_modules\/@ark\//,
  /node_modules\/@cfworker\/json-schema\//,
  /^src\/schema\/json-validator\.ts$/,
];
/** Network transports' code (both sides) and the WebSocket library. */
const NETWORK_TRANSPORTS = [
  /^src\/transports\/http\/(app|node|exchange|guard|session-owner|event-stream|sse)\.ts$/,
  /^src\/transports\/streamable-http\/(server|legacy|sessions|post-reply)\.ts$/,
  /^src\/transports\/sse\/server\.ts$/,
  /^src\/transports\/ws\/server\.ts$/,
  /node_modules\/ws\//,
];

/**
 * The client's implementation, loaded by its first `connect()`: each transport's connection code
 * (spawning and reading a process, POSTs and streams, sockets), the negotiation of the era, the
 * request path and the answers to server requests. Importing either entry loads only the classes
 * (their constructors, argument checks and `describe()`), so a stdio server loads none of it.
 */
const CLIENT_TRANSPORT_CODE = [
  /^src\/transports\/stdio\/(child|process-tree)\.ts$/,
  /^src\/transports\/streamable-http\/client-(connection|session|streams|sender)\.ts$/,
  /^src\/transports\/http\/client-sender\.ts$/,
  /^src\/transports\/(sse|ws)\/client-connection\.ts$/,
];
const CLIENT_IMPLEMENTATION = [
  ...CLIENT_TRANSPORT_CODE,
  /^src\/client\/(connection|negotiate|handlers|cache|tool-catalog|trace-context)\.ts$/,
  // What the script launchers check before spawning.
  /^src\/transports\/stdio\/launch-checks\.ts$/,
];

/**
 * What the client's connection code and the server's serving code share, loaded by either (built
 * into chunks/protocol.js): line framing, the transports' limits, the method tables. Neither
 * entry's import loads it.
 */
const SHARED_PROTOCOL_CODE = [
  /^src\/transports\/stdio\/lines\.ts$/,
  /^src\/transports\/defaults\.ts$/,
  /^src\/protocol\/methods\.ts$/,
];

/**
 * The request engine and the JSON-RPC codec: a transport loads them with its first connect(), a
 * server with its serving code (sessions, exchanges). Neither entry's import loads them.
 */
const ENGINE = [/^src\/protocol\/(engine|jsonrpc)\.ts$/];

/**
 * What a server needs once it serves, loaded by its first run(), listen(), session or exchange
 * (server/serving.ts): the dispatcher with the method handlers, the request scope, input-required
 * rounds and the running of components, sessions and stateless exchanges, change notifications,
 * the requestState codec, the members of a Context (what it reads, logs and asks of the client),
 * the FASTMCP_* settings of an HTTP run, what run() over HTTP, listen() and joining a scale-out do
 * once the server serves (serve-methods.ts), and the stdio loop (its line framing is in
 * SHARED_PROTOCOL_CODE). Importing the root entry loads only what registering components needs.
 */
const SERVER_SERVING = [
  /^src\/server\/(serving|dispatcher|methods|dispatch-scope|input-round|depth)\.ts$/,
  /^src\/server\/(session|exchange|subscriptions|request-state|context-input|context-members)\.ts$/,
  /^src\/server\/(run-settings|serve-methods)\.ts$/,
  // Running a component for a request (mapping a transformed tool's arguments, validating, calling,
  // converting its value, media helpers' blocks), matching a URI against templates, pages of lists.
  /^src\/server\/components\/(calls|convert|media|uri-match|pages|arg-mapping)\.ts$/,
  // The sources of mounted servers and proxies, and routing requests to them (mounting itself, which
  // records and checks the target, stays synchronous).
  /^src\/server\/mount-routes\.ts$/,
  /^src\/compose\/(mount|lazy-proxy)\.ts$/,
  /^src\/protocol\/era\.ts$/,
  /^src\/transports\/stdio\/serve\.ts$/,
];

/**
 * Features loaded on first use: the tasks extension (server and client side), completion, the
 * requestState crypto of input-required rounds, the middleware chain (`mcp.use()`), and the
 * client's subscriptions (`client.listen()`). A plain tool call needs none of them.
 */
const FIRST_USE_FEATURES = [
  /^src\/server\/tasks\/(tasks|task-run)\.ts$/,
  /^src\/client\/tasks\.ts$/,
  /^src\/client\/listen\.ts$/,
  /^src\/server\/components\/completion\.ts$/,
  /^src\/server\/request-state-seal\.ts$/,
  /^src\/server\/middleware-chain\.ts$/,
];

/** Modules no plain server or client needs: each feature's own entry point or first use loads them. */
const MUST_NOT_LOAD = [
  /^src\/compose\/proxy\//,
  /^src\/compose\/openapi\//,
  // The server's `auth` option takes a verifier; the HTTP transports' token checks (core.ts) load with them.
  /^src\/auth\/server\/(?!token-verifier\.ts$)/,
  // The bearer option, the provider interface and the `auth: "oauth"` shim that loads OAuth on first use.
  /^src\/auth\/client\/(?!bearer\.ts$|provider\.ts$|resolve\.ts$|lazy-oauth\.ts$)/,
  /^src\/cli\//,
  // Scale-out: fastmcp-ts/redis, the Store adapters and node-redis load only when a store is used.
  /^src\/stores\/redis\//,
  /^src\/stores\/shared-/,
  /node_modules\/(@redis|redis)\//,
  /node_modules\/jose\//,
  /node_modules\/yaml\//,
  /node_modules\/oidc-provider\//,
  TRANSPORT_BUILTINS,
  ...SCHEMA_LIBRARIES,
  ...NETWORK_TRANSPORTS,
  ...CLIENT_IMPLEMENTATION,
  ...SHARED_PROTOCOL_CODE,
  ...ENGINE,
  ...SERVER_SERVING,
  ...FIRST_USE_FEATURES,
];

/** What the client entry must not load besides: any server code. */
const CLIENT_MUST_NOT_LOAD = [
  ...MUST_NOT_LOAD,
  /^src\/server\//,
  /^src\/transports\/stdio\/server\.ts$/,
  /^src\/middleware\//,
];

const cases = (patterns: RegExp[]) => patterns.map((pattern) => [String(pattern), pattern] as const);

describe("the root entry's module graph", () => {
  let graph: string[];
  beforeAll(async () => {
    graph = await importOf("src/index.ts");
  });

  it("loads the server and client core", () => {
    expect(graph).toContain("src/server/fastmcp.ts");
    expect(graph).toContain("src/client/client.ts");
  });

  it.each(cases(MUST_NOT_LOAD))("does not load %s", (_name, pattern) => {
    expect(graph.filter((path) => pattern.test(path))).toEqual([]);
  });
});

describe("the client entry's module graph", () => {
  let graph: string[];
  beforeAll(async () => {
    graph = await importOf("src/client/index.ts");
  });

  it("loads the client core", () => {
    expect(graph).toContain("src/client/client.ts");
  });

  it.each(cases(CLIENT_MUST_NOT_LOAD))("does not load %s", (_name, pattern) => {
    expect(graph.filter((path) => pattern.test(path))).toEqual([]);
  });
});

describe("what a server with a zod tool loads to answer a call", () => {
  let graph: string[];
  let answer: unknown;
  beforeAll(async () => {
    // A server with one zod tool, called once through the in-memory transport.
    ({ modules: graph, result: answer } = await graphOf(`
      const { FastMCP, Client } = await import(process.argv[1] + "src/index.ts");
      const { z } = await import("zod");
      const mcp = new FastMCP({ name: "graph", version: "1.0.0" });
      mcp.tool("add", { inputSchema: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => a + b);
      const client = new Client(mcp);
      await client.connect();
      globalThis.graphResult = (await client.callTool("add", { a: 20, b: 22 })).text;
      await client.close();
    `));
  });

  it("loads zod, the library the tool's schema comes from", () => {
    expect(answer).toBe("42");
    expect(graph.some((path) => /node_modules\/zod\//.test(path))).toBe(true);
  });

  it("loads the client's own code on connect", () => {
    expect(graph).toContain("src/client/connection.ts");
    expect(graph).toContain("src/client/negotiate.ts");
  });

  it("loads the server's request handling once it serves", () => {
    expect(graph).toContain("src/server/serving.ts");
    expect(graph).toContain("src/server/dispatcher.ts");
    expect(graph).toContain("src/server/methods.ts");
    expect(graph).toContain("src/server/session.ts");
  });

  it.each(
    cases([
      ...SCHEMA_LIBRARIES.filter((pattern) => !pattern.test("node_modules/zod/")),
      ...NETWORK_TRANSPORTS,
      ...CLIENT_TRANSPORT_CODE,
      ...FIRST_USE_FEATURES,
    ]),
  )("does not load %s", (_name, pattern) => {
    expect(graph.filter((path) => pattern.test(path))).toEqual([]);
  });
});

describe("a first-use feature loads when it is used", () => {
  let graph: string[];
  let answer: unknown;
  beforeAll(async () => {
    // A prompt with a completer, completed once: completion.ts loads for that request only.
    ({ modules: graph, result: answer } = await graphOf(`
      const { FastMCP, Client } = await import(process.argv[1] + "src/index.ts");
      const mcp = new FastMCP({ name: "graph", version: "1.0.0" });
      mcp.prompt("greet", { argsSchema: { type: "object", properties: { name: { type: "string" } } }, complete: { name: (value) => ["Ada", "Alan"].filter((n) => n.startsWith(value)) } }, ({ name }) => name);
      const client = new Client(mcp);
      await client.connect();
      globalThis.graphResult = (await client.complete({ type: "ref/prompt", name: "greet" }, { name: "name", value: "Al" })).values;
      await client.close();
    `));
  });

  it("loads completion for completion/complete, and nothing else that waits for first use", () => {
    expect(answer).toEqual(["Alan"]);
    expect(graph).toContain("src/server/components/completion.ts");
    const others = FIRST_USE_FEATURES.filter(
      (pattern) => !pattern.test("src/server/components/completion.ts"),
    );
    expect(graph.filter((path) => others.some((pattern) => pattern.test(path)))).toEqual([]);
  });
});

/** A legacy `initialize` request with id 1, as a raw session receives it. */
const INITIALIZE = `{ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } } }`;

/**
 * Code that imports the sources, makes a server with an `echo` tool and at once a raw session of
 * it (before the serving code has loaded), whose replies collect in `replies`; `all` resolves when
 * `until` (an expression over `replies`) holds after a reply.
 */
const rawSession = (until: string) => `
  const { FastMCP } = await import(process.argv[1] + "src/index.ts");
  const mcp = new FastMCP({ name: "graph", version: "1.0.0" });
  mcp.tool("echo", { inputSchema: { type: "object", properties: { n: { type: "number" } } } }, ({ n }) => n);
  const replies = [];
  let done;
  const all = new Promise((resolve) => (done = resolve));
  const session = mcp.createSession({
    transport: "memory",
    send: (message) => {
      replies.push(message);
      if (${until}) done();
    },
  });
`;

describe("a session opened before the serving code loaded", () => {
  let graph: string[];
  let answer: unknown;
  beforeAll(async () => {
    // A raw session made at once after import: what it receives before the serving code has loaded
    // is kept and answered in order, as by a session made later.
    ({ modules: graph, result: answer } = await graphOf(`
      ${rawSession("replies.length === 3")}
      session.receive(${INITIALIZE});
      session.receive({ jsonrpc: "2.0", method: "notifications/initialized" });
      session.receiveText(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "echo", arguments: { n: 7 } } }));
      session.receive({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "echo", arguments: { n: 8 } } });
      await all;
      await session.drain();
      globalThis.graphResult = {
        ids: replies.map((reply) => reply.id),
        texts: replies.slice(1).map((reply) => reply.result.content[0].text),
        sessions: mcp.sessions().map((info) => [info.protocolVersion, info.initialized]),
      };
      session.close();
    `));
  });

  it("answers every message it kept, in order, once the serving code has loaded", () => {
    expect(answer).toEqual({ ids: [1, 2, 3], texts: ["7", "8"], sessions: [["2025-11-25", true]] });
    expect(graph).toContain("src/server/serving.ts");
  });
});

describe("a session opened before the serving code loaded, fed hostile input", () => {
  let answer: unknown;
  beforeAll(async () => {
    // Lines that are not JSON-RPC, kept while the serving code loads, get the answers they would
    // get later (a parse error, an invalid request), and the good request after them its result.
    ({ result: answer } = await graphOf(`
      ${rawSession("replies.some((reply) => reply.id === 1)")}
      session.receiveText("{not json");
      session.receiveText(JSON.stringify({ jsonrpc: "2.0", id: { nested: true }, method: 7 }));
      session.receive(${INITIALIZE});
      await all;
      globalThis.graphResult = replies.map((reply) => (reply.error ? ["error", reply.error.code] : ["result", reply.id]));
      session.close();
    `));
  });

  it("answers the bad lines with JSON-RPC errors and the request after them with its result", () => {
    expect(answer).toEqual([
      ["error", -32700],
      ["error", -32600],
      ["result", 1],
    ]);
  });
});

describe("a server whose serving code cannot load", () => {
  let answers: unknown;
  beforeAll(async () => {
    // A broken install: loading the serving code fails. A stateless exchange and a session opened
    // before it loaded answer each request with an internal error (never a rejection, never
    // silence), whose detail `maskErrorDetails` hides as it hides a failing handler's.
    ({ result: answers } = await graphOf(`
      register("data:text/javascript," + encodeURIComponent(\`
        export async function load(url, context, next) {
          if (url.endsWith("/src/server/serving.ts")) throw new Error("serving.ts is gone");
          return next(url, context);
        }
      \`));
      const { FastMCP } = await import(process.argv[1] + "src/index.ts");
      const call = { jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "echo", arguments: { n: 1 }, _meta: {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
        "io.modelcontextprotocol/clientCapabilities": {},
      } } };
      const results = {};
      for (const mask of [false, true]) {
        const mcp = new FastMCP({ name: "graph", version: "1.0.0", maskErrorDetails: mask });
        mcp.tool("echo", ({ n }) => n);
        const replies = [];
        let done;
        const answered = new Promise((resolve) => (done = resolve));
        const session = mcp.createSession({ transport: "memory", send: (message) => { replies.push(message); done(); } });
        session.receive(${INITIALIZE});
        const exchanged = await mcp.exchange(call, { transport: "http" });
        await answered;
        session.close();
        results[mask ? "masked" : "plain"] = { exchange: exchanged.error, session: replies[0].error };
      }
      globalThis.graphResult = results;
    `));
  });

  it("answers with an internal error carrying the loader's message, or only 'Internal error' when masked", () => {
    const plain = { code: -32603, message: "Internal error: serving.ts is gone" };
    const masked = { code: -32603, message: "Internal error" };
    expect(answers).toEqual({
      plain: { exchange: plain, session: plain },
      masked: { exchange: masked, session: masked },
    });
  });
});

describe("what a client loads to call a stdio server", () => {
  let graph: string[];
  let answer: unknown;
  beforeAll(async () => {
    // The client entry alone, calling a server of the official SDK over stdio.
    ({ modules: graph, result: answer } = await graphOf(`
      const { Client, StdioTransport } = await import(process.argv[1] + "src/client/index.ts");
      const client = new Client(new StdioTransport(process.execPath, [${JSON.stringify(NODE_SERVER)}], { stderr: "ignore" }));
      await client.connect();
      globalThis.graphResult = (await client.callTool("add", { a: 20, b: 22 })).text;
      await client.close();
    `));
  });

  it("loads the connection code, the engine and the line framing", () => {
    expect(answer).toBe("42");
    for (const module of [
      "src/client/connection.ts",
      "src/transports/stdio/child.ts",
      "src/protocol/engine.ts",
      "src/transports/stdio/lines.ts",
    ])
      expect(graph).toContain(module);
  });

  it.each(
    cases([
      /^src\/server\//,
      /^src\/middleware\//,
      /^src\/transports\/stdio\/(serve|server)\.ts$/,
      ...NETWORK_TRANSPORTS,
    ]),
  )("does not load %s", (_name, pattern) => {
    expect(graph.filter((path) => pattern.test(path))).toEqual([]);
  });
});

describe("what a stdio server loads up to its first answer", () => {
  const temp = tempDir("fastmcp-graph-");
  let graph: string[];
  let answer: unknown;
  beforeAll(async () => {
    // A server of ours over stdio, run with a hook that records every module it resolves.
    const record = join(temp.dir, "modules.txt");
    const server = `
      const { FastMCP } = await import("./src/index.ts");
      const mcp = new FastMCP({ name: "graph", version: "1.0.0" });
      const number = { type: "number" };
      mcp.tool("add", { inputSchema: { type: "object", properties: { a: number, b: number } } }, ({ a, b }) => a + b);
      await mcp.run();
    `;
    const client = new Client(
      new StdioTransport(
        process.execPath,
        ["--import", "tsx", "--import", fixture("record-modules.mjs"), "--input-type=module", "-e", server],
        { cwd: ROOT, env: { RECORD_MODULES: record }, stderr: "ignore" },
      ),
    );
    await client.connect();
    answer = (await client.callTool("add", { a: 20, b: 22 })).text;
    await client.close();
    graph = [...new Set(readFileSync(record, "utf8").split("\n"))]
      .filter((url) => url.startsWith("file:"))
      .map((url) => fileURLToPath(url))
      .filter((path) => path.startsWith(ROOT))
      .map((path) => path.slice(ROOT.length));
  });
  afterAll(() => temp.cleanup());

  it("loads the serving code and the line framing", () => {
    expect(answer).toBe("42");
    expect(graph).toContain("src/server/dispatcher.ts");
    expect(graph).toContain("src/transports/stdio/lines.ts");
  });

  it.each(cases([...CLIENT_IMPLEMENTATION, ...NETWORK_TRANSPORTS, ...FIRST_USE_FEATURES]))(
    "does not load %s",
    (_name, pattern) => {
      expect(graph.filter((path) => pattern.test(path))).toEqual([]);
    },
  );
});
