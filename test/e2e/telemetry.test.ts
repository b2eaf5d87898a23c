/**
 * The telemetry() middleware and the Client's trace propagation: spans checked with the
 * OpenTelemetry SDK's in-memory exporter, in this process (memory transport) and in a server
 * process reached over stdio and Streamable HTTP, where only the `_meta` trace context can carry
 * the caller's trace across.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  type Context,
  context,
  createTraceState,
  propagation,
  ROOT_CONTEXT,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Client, type ClientOptions, FastMCP, McpError, StdioTransport } from "../../src/index.js";
import { telemetry } from "../../src/middleware/index.js";
import {
  createTelemetryServer,
  recordSpans,
  type SpanRecord,
  toRecord,
} from "../fixtures/telemetry-server.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const FIXTURE = fileURLToPath(new URL("../fixtures/telemetry-server.ts", import.meta.url));
const NO_OTEL = fileURLToPath(new URL("../fixtures/no-otel.ts", import.meta.url));
const LEGACY: ClientOptions = { protocolVersion: "2025-11-25" };
const ERAS: [string, ClientOptions][] = [
  ["modern", {}],
  ["legacy", LEGACY],
];

const exporter = recordSpans();
const w3c = new W3CTraceContextPropagator();
propagation.setGlobalPropagator(w3c);
const tracer = trace.getTracer("telemetry-test");

/** The server in this process, with a middleware (inside telemetry) recording each request's `_meta`. */
const server = createTelemetryServer(exporter);
const metas: { method: string; meta: Record<string, unknown> | undefined }[] = [];
server.use({
  name: "recorder",
  async onRequest(ctx, next) {
    metas.push({ method: ctx.method, meta: ctx.params._meta as Record<string, unknown> | undefined });
    return next();
  },
});

const clients: Client[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  for (const child of children) child.kill();
});

async function connect(target: ConstructorParameters<typeof Client>[0], options: ClientOptions = {}) {
  const client = new Client(target, options);
  clients.push(client);
  await client.connect();
  return client;
}

/** A remote parent with trace state, as if this process were itself called by a traced service. */
const UPSTREAM = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" };
function upstream(traceId = UPSTREAM.traceId): Context {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId: UPSTREAM.spanId,
    traceFlags: 1,
    isRemote: true,
    traceState: createTraceState("vendor=abc"),
  });
}

/** Runs `work` inside an active CLIENT span (a child of `parent`); returns its span context. */
async function inClientSpan<T>(
  work: () => Promise<T>,
  parent: Context = ROOT_CONTEXT,
): Promise<{ value: T; caller: SpanContext }> {
  const span = tracer.startSpan("caller", { kind: SpanKind.CLIENT }, parent);
  try {
    return { value: await context.with(trace.setSpan(parent, span), work), caller: span.spanContext() };
  } finally {
    span.end();
  }
}

function finished(name: string): SpanRecord[] {
  return exporter
    .getFinishedSpans()
    .map(toRecord)
    .filter((span) => span.name === name);
}

function only(name: string): SpanRecord {
  const spans = finished(name);
  expect(spans.map((span) => span.name)).toEqual([name]);
  return spans[0] as SpanRecord;
}

describe.each(ERAS)("telemetry() spans in memory (%s)", (_era, options) => {
  let client: Client;
  beforeAll(async () => {
    client = await connect(server, options);
  });
  beforeEach(() => {
    exporter.reset();
    metas.length = 0;
  });

  it("names each request's SERVER span after its method and target, with the MCP attributes", async () => {
    await client.listTools();
    await client.callTool("add", { a: 2, b: 3 });
    await client.readResource("config://app");
    await client.getPrompt("greet", { who: "Ada" });

    const call = only("tools/call add");
    expect(call.kind).toBe(SpanKind.SERVER);
    expect(call.scope).toBe("fastmcp-ts");
    expect(call.status.code).toBe(SpanStatusCode.UNSET);
    expect(call.attributes).toMatchObject({
      "mcp.method.name": "tools/call",
      "gen_ai.tool.name": "add",
      "gen_ai.operation.name": "execute_tool",
      "mcp.protocol.version": client.protocolVersion,
      "jsonrpc.request.id": expect.stringMatching(/.+/),
    });
    expect(call.attributes["network.transport"]).toBeUndefined();
    expect(only("tools/list").attributes).toMatchObject({ "mcp.method.name": "tools/list" });
    expect(only("tools/list").attributes["gen_ai.operation.name"]).toBeUndefined();
    expect(only("resources/read").attributes).toMatchObject({
      "mcp.method.name": "resources/read",
      "mcp.resource.uri": "config://app",
    });
    expect(only("prompts/get greet").attributes).toMatchObject({
      "mcp.method.name": "prompts/get",
      "gen_ai.prompt.name": "greet",
    });
  });

  it("sets ERROR with error.type tool_error on an isError tool result", async () => {
    await expect(client.callTool("refuse")).rejects.toThrow("not today");
    const span = only("tools/call refuse");
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: "not today" });
    expect(span.attributes["error.type"]).toBe("tool_error");
  });

  it("records a JSON-RPC error's code, and a thrown error's class", async () => {
    const rejected = await client.callTool("reject").catch((error: unknown) => error);
    expect(rejected).toBeInstanceOf(McpError);
    const span = only("tools/call reject");
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: "rejected on purpose" });
    expect(span.attributes).toMatchObject({ "error.type": "-32042", "rpc.response.status_code": "-32042" });

    await expect(client.callTool("nowhere")).rejects.toBeInstanceOf(McpError);
    expect(only("tools/call nowhere").status.code).toBe(SpanStatusCode.ERROR);

    await client.callTool("crash").catch(() => undefined);
    const crash = only("tools/call crash");
    expect(crash.status.code).toBe(SpanStatusCode.ERROR);
    expect(crash.attributes["error.type"]).toBeDefined();
  });

  it("makes its span the active one while the handler runs", async () => {
    const result = await client.callTool("active_span");
    const active = JSON.parse(result.text) as SpanContext;
    expect(active.spanId).toBe(only("tools/call active_span").spanId);
  });

  it("continues the caller's span and trace state, which the Client puts in _meta", async () => {
    const { caller } = await inClientSpan(() => client.callTool("add", { a: 1, b: 1 }), upstream());
    const span = only("tools/call add");
    expect(span.traceId).toBe(UPSTREAM.traceId);
    expect(span.parentSpanId).toBe(caller.spanId);
    expect(span.traceState).toBe("vendor=abc");
    const sent = metas.find((entry) => entry.method === "tools/call")?.meta;
    expect(sent?.traceparent).toBe(`00-${caller.traceId}-${caller.spanId}-01`);
    expect(sent?.tracestate).toBe("vendor=abc");
  });

  it("the Client adds no trace context when no span is active", async () => {
    await client.callTool("add", { a: 1, b: 1 });
    const sent = metas.find((entry) => entry.method === "tools/call");
    expect(sent).toBeDefined();
    expect(sent?.meta?.traceparent).toBeUndefined();
    expect(sent?.meta?.tracestate).toBeUndefined();
    expect(only("tools/call add").parentSpanId).toBeUndefined();
  });

  it("with no propagator registered, the Client still writes W3C trace context", async () => {
    propagation.disable();
    try {
      const { caller } = await inClientSpan(() => client.callTool("add", { a: 1, b: 1 }));
      const sent = metas.find((entry) => entry.method === "tools/call")?.meta;
      expect(sent?.traceparent).toBe(`00-${caller.traceId}-${caller.spanId}-01`);
      expect(only("tools/call add").traceId).toBe(caller.traceId);
    } finally {
      propagation.setGlobalPropagator(w3c);
    }
  });

  // No span is active here, so only the `_meta` entries can give the server span its parent.
  it.each([
    ["the registered propagator", true],
    ["no propagator (W3C read directly)", false],
  ])("continues a traceparent and tracestate found in _meta, with %s", async (_how, registered) => {
    if (!registered) propagation.disable();
    try {
      await client.callTool(
        "add",
        { a: 1, b: 1 },
        { meta: { traceparent: `00-${UPSTREAM.traceId}-${UPSTREAM.spanId}-01`, tracestate: "vendor=abc" } },
      );
    } finally {
      propagation.setGlobalPropagator(w3c);
    }
    const span = only("tools/call add");
    expect(span.traceId).toBe(UPSTREAM.traceId);
    expect(span.parentSpanId).toBe(UPSTREAM.spanId);
    expect(span.traceState).toBe("vendor=abc");
  });

  it("ignores a malformed traceparent", async () => {
    propagation.disable();
    try {
      await client.callTool(
        "add",
        { a: 1, b: 1 },
        { meta: { traceparent: `00-${"0".repeat(32)}-${UPSTREAM.spanId}-01` } },
      );
    } finally {
      propagation.setGlobalPropagator(w3c);
    }
    const span = only("tools/call add");
    expect(span.parentSpanId).toBeUndefined();
    expect(span.traceId).not.toBe("0".repeat(32));
  });
});

describe("telemetry({ tracer })", () => {
  it("starts its spans with the tracer given", async () => {
    const mcp = new FastMCP("custom");
    mcp.use(telemetry({ tracer: trace.getTracer("custom-tracer") }));
    mcp.tool("echo", () => "hi");
    const client = await connect(mcp);
    exporter.reset();
    await client.callTool("echo");
    expect(only("tools/call echo").scope).toBe("custom-tracer");
  });
});

/** Calls `add` inside a caller span, then asks the server process for the spans it recorded. */
async function crossProcess(
  client: Client,
): Promise<{ caller: SpanContext; span: SpanRecord; spans: SpanRecord[] }> {
  const { caller } = await inClientSpan(
    () => client.callTool("add", { a: 4, b: 5 }),
    // A trace of its own, told apart from earlier calls to the same server process.
    upstream(randomBytes(16).toString("hex")),
  );
  const spans = JSON.parse((await client.callTool("spans")).text) as SpanRecord[];
  const span = spans.find((record) => record.name === "tools/call add" && record.traceId === caller.traceId);
  expect(span, JSON.stringify(spans)).toBeDefined();
  expect(span?.traceState).toBe("vendor=abc");
  return { caller, span: span as SpanRecord, spans };
}

describe("a trace crosses from the client to a server process", () => {
  it("over stdio", async () => {
    const client = await connect(
      new StdioTransport(process.execPath, ["--import", "tsx", FIXTURE], { cwd: ROOT, stderr: "pipe" }),
    );
    const { caller, span } = await crossProcess(client);
    expect(span.parentSpanId).toBe(caller.spanId);
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.attributes).toMatchObject({ "network.transport": "pipe", "gen_ai.tool.name": "add" });
  });

  describe("over Streamable HTTP", () => {
    let url: string;
    beforeAll(async () => {
      const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, "--http"], {
        cwd: ROOT,
        stdio: ["ignore", "ignore", "pipe"],
      });
      children.push(child);
      url = await new Promise<string>((resolve, reject) => {
        let stderr = "";
        child.stderr?.setEncoding("utf8");
        child.stderr?.on("data", (chunk: string) => {
          stderr += chunk;
          const match = /serving http (http:\/\/\S+)/.exec(stderr);
          if (match) resolve(match[1] as string);
        });
        child.once("exit", (code) => reject(new Error(`the server exited (${code}): ${stderr}`)));
      });
    });

    it.each(ERAS)("%s era", async (era, options) => {
      const client = await connect(url, options);
      const { caller, span, spans } = await crossProcess(client);
      expect(span.parentSpanId).toBe(caller.spanId);
      expect(span.attributes).toMatchObject({
        "network.transport": "tcp",
        "network.protocol.name": "http",
        "mcp.protocol.version": client.protocolVersion,
      });
      if (era === "legacy") {
        const sessionId = span.attributes["mcp.session.id"];
        expect(sessionId).toEqual(expect.stringMatching(/.+/));
        // The client's notifications get SERVER spans too, in the same session.
        const initialized = spans.find(
          (record) =>
            record.name === "notifications/initialized" && record.attributes["mcp.session.id"] === sessionId,
        );
        expect(initialized?.kind).toBe(SpanKind.SERVER);
      }
    });
  });
});

describe("without @opentelemetry/api installed", () => {
  it("the entry points load, the Client adds nothing to _meta, and telemetry() says what is missing", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", NO_OTEL], {
      cwd: ROOT,
      timeout: 60_000,
    });
    const report = JSON.parse(stdout) as {
      seen: { method: string; era: string; meta: Record<string, unknown> | null }[];
      failure: string | undefined;
    };
    const calls = report.seen.filter((entry) => entry.method === "tools/call");
    expect(calls.map((entry) => entry.era)).toEqual(["modern", "legacy"]);
    expect(calls[1]?.meta).toBeNull();
    for (const { meta } of report.seen) {
      expect(Object.keys(meta ?? {}).filter((key) => !key.startsWith("io.modelcontextprotocol/"))).toEqual(
        [],
      );
    }
    expect(report.failure).toContain("npm install @opentelemetry/api");
  });
});
