/**
 * Trace context for outgoing requests, following the OpenTelemetry MCP semantic conventions: the
 * active span's `traceparent` (and `tracestate`, `baggage`, whatever the application's propagator
 * writes) goes into the request's `params._meta`, so the server's span continues the caller's trace.
 *
 * The client never imports `@opentelemetry/api`. The API keeps what an application registered
 * (its context manager, its propagator) on one global object under a versioned symbol; reading
 * that is all this module does. When OpenTelemetry is not in use the global is absent and a
 * request pays one property lookup.
 */

/** Where `@opentelemetry/api` 1.x registers its globals (`registerGlobal` in its global-utils). */
const OTEL_API_GLOBAL = Symbol.for("opentelemetry.js.api.1");
/** The API's context key of the active span (`trace.setSpan`/`getSpan`). */
const SPAN_KEY = Symbol.for("OpenTelemetry Context Key SPAN");
const INVALID_TRACE_ID = "00000000000000000000000000000000";
const INVALID_SPAN_ID = "0000000000000000";

/** The parts of the API's context, span and propagator this module reads (structural types). */
interface OtelContext {
  getValue(key: symbol): unknown;
}
interface OtelSpanContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
  traceState?: { serialize(): string };
}
type Carrier = Record<string, string>;
interface OtelGlobal {
  context?: { active(): OtelContext };
  propagation?: {
    inject(context: OtelContext, carrier: Carrier, setter: typeof SETTER): void;
    fields(): string[];
  };
}

const SETTER = {
  set(carrier: Carrier, key: string, value: string): void {
    carrier[key] = value;
  },
};

/**
 * `meta` with the active trace context added, or `meta` itself when no span is active (or
 * OpenTelemetry is not in use). Uses the application's registered propagator; with none registered
 * (the API's default is a no-op), writes the W3C `traceparent`/`tracestate` of the active span.
 */
export function withTraceContext(
  meta: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  const otel = (globalThis as { [OTEL_API_GLOBAL]?: OtelGlobal })[OTEL_API_GLOBAL];
  if (otel?.context === undefined) return meta;
  const active = otel.context.active();
  const carrier: Carrier = {};
  const propagator = otel.propagation;
  if (propagator !== undefined && propagator.fields().length > 0) propagator.inject(active, carrier, SETTER);
  else injectW3C(active, carrier);
  if (Object.keys(carrier).length === 0) return meta;
  return meta === undefined ? carrier : { ...meta, ...carrier };
}

function injectW3C(context: OtelContext, carrier: Carrier): void {
  const span = context.getValue(SPAN_KEY) as { spanContext?(): OtelSpanContext } | undefined;
  const sc = span?.spanContext?.();
  if (sc === undefined || sc.traceId === INVALID_TRACE_ID || sc.spanId === INVALID_SPAN_ID) return;
  const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, "0");
  carrier.traceparent = `00-${sc.traceId}-${sc.spanId}-${flags}`;
  const state = sc.traceState?.serialize();
  if (state) carrier.tracestate = state;
}
