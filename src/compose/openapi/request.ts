/**
 * One call of an operation: the request built from the arguments (URL under the base URL, query,
 * headers, cookies, body), sent with `fetch` under the timeout and the MCP request's cancellation,
 * and the answer read with a size cap.
 */
import { readLimitedBytes } from "../../protocol/read-limited.js";
import type { Binding } from "./arguments.js";
import { getOwn, isObject, setOwn } from "./objects.js";
import type { OpenAPIRoute } from "./routes.js";
import { ArgumentError, appendQuery, cookiePair, headerValue, pathValue } from "./serialize.js";

/** What every call of one server shares. */
export interface CallSettings {
  baseUrl: URL;
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
  maxResponseBytes: number;
  fetch: typeof fetch;
}

/** An HTTP answer, read. */
export interface ApiResponse {
  status: number;
  statusText: string;
  contentType: string;
  /** The body as UTF-8 text. */
  text: string;
  bytes: Uint8Array;
  /** The URL called (a binary answer is an embedded resource of this URI). */
  url: string;
}

/** A call that got no HTTP answer (or one too large): the message names why. */
export class CallError extends Error {
  override name = "CallError";
}

export { ArgumentError };

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** The URL of a call: the base URL's path, then the route's path with its parameters filled in. */
function buildUrl(
  route: OpenAPIRoute,
  bindings: readonly Binding[],
  args: Record<string, unknown>,
  base: URL,
): URL {
  const values = new Map<string, string>();
  const query = new URLSearchParams();
  for (const binding of bindings) {
    if (binding.to !== "parameter") continue;
    const { parameter } = binding;
    const value = getOwn(args, binding.arg);
    if (parameter.in === "path") {
      if (!present(value)) throw new ArgumentError(`Missing path parameter ${binding.arg}`);
      values.set(parameter.name, pathValue(parameter, value));
    } else if (parameter.in === "query" && present(value)) appendQuery(query, parameter, value);
  }
  const path = route.path.replace(/\{([^}]*)\}/g, (_whole, name: string) => values.get(name) as string);
  const basePath = base.pathname.replace(/\/+$/, "");
  const url = new URL(`${base.origin}${basePath}${path}`);
  // Values are percent-encoded and dot segments refused, so this holds; checked anyway, cheaply.
  if (url.origin !== base.origin || !url.pathname.startsWith(basePath)) {
    throw new ArgumentError(`The arguments would leave the API's base URL`);
  }
  const search = query.toString();
  if (search) url.search = search;
  return url;
}

function buildHeaders(
  bindings: readonly Binding[],
  args: Record<string, unknown>,
  settings: CallSettings,
): Headers {
  const headers = new Headers(settings.headers);
  const cookies: string[] = [];
  for (const binding of bindings) {
    if (binding.to !== "parameter") continue;
    const { parameter } = binding;
    const value = getOwn(args, binding.arg);
    if (!present(value)) continue;
    if (parameter.in === "header") {
      try {
        headers.set(parameter.name, headerValue(parameter, value));
      } catch (error) {
        if (error instanceof ArgumentError) throw error;
        throw new ArgumentError(`Header parameter ${parameter.name}: ${(error as Error).message}`);
      }
    } else if (parameter.in === "cookie") cookies.push(cookiePair(parameter, value));
  }
  if (cookies.length > 0) {
    const own = headers.get("cookie");
    headers.set("cookie", [own, ...cookies].filter(Boolean).join("; "));
  }
  return headers;
}

function formValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function buildBody(
  route: OpenAPIRoute,
  bindings: readonly Binding[],
  args: Record<string, unknown>,
  headers: Headers,
): BodyInit | undefined {
  const body = route.body;
  if (!body) return undefined;
  let value: unknown;
  const whole = bindings.find((binding) => binding.to === "body");
  if (whole) value = getOwn(args, whole.arg);
  else {
    const object: Record<string, unknown> = {};
    let any = false;
    for (const binding of bindings) {
      if (binding.to !== "property" || getOwn(args, binding.arg) === undefined) continue;
      setOwn(object, binding.property, getOwn(args, binding.arg));
      any = true;
    }
    value = any || body.required ? object : undefined;
  }
  if (value === undefined) return undefined;
  const mediaType = body.mediaType.split(";")[0]?.trim().toLowerCase() ?? "";
  const fields = isObject(value) ? Object.entries(value) : undefined;
  if (mediaType === "multipart/form-data" && fields) {
    // fetch writes the Content-Type with its boundary.
    const form = new FormData();
    for (const [key, item] of fields) {
      for (const one of Array.isArray(item) ? item : [item]) form.append(key, formValue(one));
    }
    return form;
  }
  headers.set("content-type", body.mediaType);
  if (mediaType === "application/x-www-form-urlencoded" && fields) {
    const form = new URLSearchParams();
    for (const [key, item] of fields) {
      for (const one of Array.isArray(item) ? item : [item]) form.append(key, formValue(one));
    }
    return form.toString();
  }
  if (mediaType === "application/json" || mediaType.endsWith("+json")) return JSON.stringify(value);
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Sends the call. Throws ArgumentError for arguments that cannot make a request and CallError when
 * no answer came (network failure, timeout, cancellation, an answer over the size cap).
 */
export async function callRoute(
  route: OpenAPIRoute,
  bindings: readonly Binding[],
  args: Record<string, unknown>,
  settings: CallSettings,
  signal: AbortSignal | undefined,
): Promise<ApiResponse> {
  const url = buildUrl(route, bindings, args, settings.baseUrl);
  const headers = buildHeaders(bindings, args, settings);
  const body = buildBody(route, bindings, args, headers);
  if (!headers.has("accept")) headers.set("accept", "application/json, */*;q=0.5");
  const timeout = AbortSignal.timeout(settings.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const failed = (error: unknown): CallError => {
    if (timeout.aborted)
      return new CallError(`${route.method} ${url.pathname} timed out after ${settings.timeoutMs} ms`);
    if (signal?.aborted) return new CallError(`${route.method} ${url.pathname} was cancelled`);
    if (error instanceof CallError) return error;
    const cause = (error as { cause?: { message?: string } })?.cause?.message;
    const detail = cause ? `${(error as Error).message} (${cause})` : (error as Error)?.message;
    return new CallError(`${route.method} ${url} failed: ${detail}`);
  };
  let response: Response;
  try {
    response = await settings.fetch(url, {
      method: route.method,
      headers,
      body: body ?? null,
      signal: combined,
      // Not followed: a redirect must not carry the configured credentials to another host.
      redirect: "manual",
    });
  } catch (error) {
    throw failed(error);
  }
  try {
    const bytes = await readLimitedBytes(
      response.body,
      response.headers.get("content-length"),
      settings.maxResponseBytes,
      () =>
        new CallError(
          `The response of ${route.method} ${url.pathname} is larger than ${settings.maxResponseBytes} bytes`,
        ),
    );
    return {
      status: response.status,
      statusText: response.statusText,
      contentType: response.headers.get("content-type") ?? "",
      text: new TextDecoder().decode(bytes),
      bytes,
      url: url.href,
    };
  } catch (error) {
    throw failed(error);
  }
}
