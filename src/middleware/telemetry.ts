/**
 * `telemetry()`: an OpenTelemetry span around every request and notification the server handles,
 * following the MCP semantic conventions (https://opentelemetry.io/docs/specs/semconv/gen-ai/mcp/).
 *
 * `@opentelemetry/api` is an optional peer dependency: it is imported on the first request, so
 * loading `fastmcp-ts/middleware` (or using its other built-ins) never needs it.
 */
import type * as OtelApi from "@opentelemetry/api";
import type { Attributes, Link, Context as OtelContext, Span, Tracer } from "@opentelemetry/api";
import { McpError } from "../errors.js";
import type { Result } from "../protocol/types.js";
import type { Middleware, MiddlewareContext, NotificationContext } from "../server/middleware.js";

type Api = typeof OtelApi;

/**
 * An OpenTelemetry `Tracer`, typed by shape so that the declarations of `fastmcp-ts/middleware`
 * never name `@opentelemetry/api` (a project without it still type-checks).
 */
export interface TelemetryTracer {
  startSpan(name: string, options?: object, context?: unknown): unknown;
}

/** Options of {@link telemetry}. */
export interface TelemetryOptions {
  /** The tracer spans are started with; by default the global provider's tracer "fastmcp-ts". */
  tracer?: TelemetryTracer;
}

const TRACER_NAME = "fastmcp-ts";

/** `network.*` attributes of each built-in transport (stdio is a pipe; the others run over TCP). */
const NETWORK_ATTRIBUTES = {
  stdio: { "network.transport": "pipe" },
  http: { "network.transport": "tcp", "network.protocol.name": "http" },
  sse: { "network.transport": "tcp", "network.protocol.name": "http" },
  ws: { "network.transport": "tcp", "network.protocol.name": "websocket" },
} as const satisfies Record<string, Attributes>;
const NETWORK = new Map<string, Attributes>(Object.entries(NETWORK_ATTRIBUTES));

/** Methods whose params carry the resource URI recorded as `mcp.resource.uri`. */
const URI_METHODS: ReadonlySet<string> = new Set([
  "resources/read",
  "resources/subscribe",
  "resources/unsubscribe",
]);

const W3C_TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * Traces every request as a SERVER span named `<method> <target>` (`tools/call add`,
 * `prompts/get greet`, else the method alone) with the MCP semantic-convention attributes. A
 * `traceparent`/`tracestate` in the request's `params._meta` (the Client puts the caller's there)
 * makes the span a child of the caller's span; the span is active while the handler runs, so work
 * it traces nests under it. A JSON-RPC error, a thrown error or an `isError` tool result sets the
 * span's status to ERROR with `error.type`.
 *
 * Needs `@opentelemetry/api` installed and a tracer provider registered (e.g. the Node SDK).
 *
 * @example
 * ```ts
 * import { telemetry } from "fastmcp-ts/middleware";
 *
 * mcp.use(telemetry());
 * ```
 */
export function telemetry(options: TelemetryOptions = {}): Middleware {
  let tracing: Tracing | undefined;
  let loading: Promise<Tracing> | undefined;
  const load = (): Promise<Tracing> => {
    loading ??= import("@opentelemetry/api").then(
      (api) => {
        tracing = new Tracing(
          api,
          (options.tracer as Tracer | undefined) ?? api.trace.getTracer(TRACER_NAME),
        );
        return tracing;
      },
      (error: unknown) => {
        loading = undefined;
        throw new Error(
          "The telemetry() middleware needs @opentelemetry/api, an optional peer dependency of fastmcp-ts: npm install @opentelemetry/api",
          { cause: error },
        );
      },
    );
    return loading;
  };
  return {
    name: "telemetry",
    async onRequest(ctx, next) {
      return (tracing ?? (await load())).request(ctx, next);
    },
    async onNotification(ctx, next) {
      return (tracing ?? (await load())).notification(ctx, next);
    },
  };
}

/** The span logic, once the API is loaded. */
class Tracing {
  constructor(
    private readonly api: Api,
    private readonly tracer: Tracer,
  ) {}

  async request(ctx: MiddlewareContext, next: () => Promise<Result>): Promise<Result> {
    const { method, params } = ctx;
    const attributes: Attributes = { "mcp.method.name": method, ...NETWORK.get(ctx.transport) };
    attributes["jsonrpc.request.id"] = String(ctx.context.requestId);
    attributes["mcp.protocol.version"] = ctx.protocolVersion;
    if (ctx.sessionId !== undefined) attributes["mcp.session.id"] = ctx.sessionId;
    let target: unknown;
    if (method === "tools/call") {
      target = params.name;
      attributes["gen_ai.tool.name"] = String(target);
      attributes["gen_ai.operation.name"] = "execute_tool";
    } else if (method === "prompts/get") {
      target = params.name;
      attributes["gen_ai.prompt.name"] = String(target);
    } else if (URI_METHODS.has(method) && typeof params.uri === "string") {
      attributes["mcp.resource.uri"] = params.uri;
    }
    const name = typeof target === "string" ? `${method} ${target}` : method;
    const { span, context } = this.start(name, attributes, params._meta);
    try {
      const result = await this.api.context.with(context, next);
      if (method === "tools/call" && result.isError === true) {
        span.setAttribute("error.type", "tool_error");
        const message = toolErrorText(result);
        span.setStatus(
          message === undefined
            ? { code: this.api.SpanStatusCode.ERROR }
            : { code: this.api.SpanStatusCode.ERROR, message },
        );
      }
      return result;
    } catch (error) {
      this.fail(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  async notification(ctx: NotificationContext, next: () => Promise<void>): Promise<void> {
    const attributes: Attributes = {
      "mcp.method.name": ctx.method,
      ...NETWORK.get(ctx.transport),
    };
    if (ctx.sessionId !== undefined) attributes["mcp.session.id"] = ctx.sessionId;
    const { span, context } = this.start(ctx.method, attributes, ctx.params?._meta);
    try {
      await this.api.context.with(context, next);
    } catch (error) {
      this.fail(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  /**
   * Starts the span. Its parent is the trace context in `_meta` when there is one (the convention
   * says so: the transport's own context, say an HTTP server span, is only linked), else the
   * ambient context.
   */
  private start(name: string, attributes: Attributes, meta: unknown): { span: Span; context: OtelContext } {
    const { context, trace } = this.api;
    const ambient = context.active();
    let parent = ambient;
    const links: Link[] = [];
    if (typeof meta === "object" && meta !== null) {
      const remote = this.extract(ambient, meta as Record<string, unknown>);
      if (remote !== ambient) {
        parent = remote;
        const ambientSpan = trace.getSpanContext(ambient);
        // In one process (the memory transport) the ambient span may be the caller itself.
        if (ambientSpan !== undefined && ambientSpan.spanId !== trace.getSpanContext(remote)?.spanId) {
          links.push({ context: ambientSpan });
        }
      }
    }
    const span = this.tracer.startSpan(name, { kind: this.api.SpanKind.SERVER, attributes, links }, parent);
    return { span, context: trace.setSpan(parent, span) };
  }

  /**
   * The trace context in `_meta`: through the registered propagator, or, when none is registered
   * (the API's default propagator is a no-op with no fields), by reading W3C `traceparent` itself.
   */
  private extract(ambient: OtelContext, meta: Record<string, unknown>): OtelContext {
    const { propagation, trace, createTraceState } = this.api;
    if (propagation.fields().length > 0) {
      const extracted = propagation.extract(ambient, meta, META_GETTER);
      return trace.getSpanContext(extracted) === trace.getSpanContext(ambient) ? ambient : extracted;
    }
    const match = typeof meta.traceparent === "string" ? W3C_TRACEPARENT.exec(meta.traceparent) : null;
    if (match === null || match[1] === "ff") return ambient;
    const spanContext: OtelApi.SpanContext = {
      traceId: match[2]!,
      spanId: match[3]!,
      traceFlags: Number.parseInt(match[4]!, 16) & 1,
      isRemote: true,
    };
    if (typeof meta.tracestate === "string") spanContext.traceState = createTraceState(meta.tracestate);
    if (!trace.isSpanContextValid(spanContext)) return ambient;
    return trace.setSpanContext(ambient, spanContext);
  }

  private fail(span: Span, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof McpError) {
      span.setAttribute("error.type", String(error.code));
      span.setAttribute("rpc.response.status_code", String(error.code));
    } else {
      span.setAttribute("error.type", error instanceof Error ? error.name : "_OTHER");
    }
    if (error instanceof Error) span.recordException(error);
    span.setStatus({ code: this.api.SpanStatusCode.ERROR, message });
  }
}

/** Reads `_meta` entries for a propagator (only string values are trace context). */
const META_GETTER: OtelApi.TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === "string" ? value : undefined;
  },
};

/** The first text block of an `isError` tool result: its error message. */
function toolErrorText(result: Result): string | undefined {
  const content = result.content;
  if (!Array.isArray(content)) return undefined;
  const first = content[0] as { type?: unknown; text?: unknown } | undefined;
  return first?.type === "text" && typeof first.text === "string" ? first.text : undefined;
}
