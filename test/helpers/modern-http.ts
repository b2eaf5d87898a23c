/**
 * Raw 2026-07-28 Streamable HTTP requests over fetch: request builders with the headers a
 * conforming client sends, a JSON-RPC error reader, and a liveness check.
 */
import { expect } from "vitest";
import { META, MODERN } from "./protocol.js";

export const ACCEPT_BOTH = "application/json, text/event-stream";

let nextId = 1;

/** A 2026-07-28 request body. */
export function modernBody(
  method: string,
  params: Record<string, unknown> = {},
  meta: Record<string, unknown> = META,
): Record<string, unknown> {
  return { jsonrpc: "2.0", id: nextId++, method, params: { ...params, _meta: meta } };
}

/** The headers a conforming 2026-07-28 client sends for `method` (and `name` when it names one). */
export function modernHeaders(method: string, name?: string): Record<string, string> {
  return {
    "content-type": "application/json",
    accept: ACCEPT_BOTH,
    "mcp-protocol-version": MODERN,
    "mcp-method": method,
    ...(name === undefined ? {} : { "mcp-name": name }),
  };
}

export function post(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  init: RequestInit = {},
): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });
}

/** A modern `tools/call` with all the headers right (plus `extra`). */
export function callTool(
  url: string,
  name: string,
  args: Record<string, unknown>,
  extra: Record<string, string> = {},
  init: RequestInit = {},
): Promise<Response> {
  return post(
    url,
    modernBody("tools/call", { name, arguments: args }),
    { ...modernHeaders("tools/call", name), ...extra },
    init,
  );
}

export interface RpcError {
  status: number;
  headers: Headers;
  id: unknown;
  code: number;
  message: string;
  data: unknown;
}

/** Asserts the reply is `status` with a JSON-RPC error body of `code`; returns the error. */
export async function expectRpcError(response: Response, status: number, code: number): Promise<RpcError> {
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status });
  expect(response.headers.get("content-type") ?? "").toMatch(/^application\/json/);
  const body = JSON.parse(text);
  expect(body.jsonrpc).toBe("2.0");
  expect(body).not.toHaveProperty("result");
  expect(body.error).toMatchObject({ code });
  expect(typeof body.error.message).toBe("string");
  return {
    status: response.status,
    headers: response.headers,
    id: body.id,
    code: body.error.code,
    message: body.error.message,
    data: body.error.data,
  };
}

/** The server still answers a correct modern request (add 2 + 3). */
export async function expectAlive(url: string): Promise<void> {
  const response = await callTool(url, "add", { a: 2, b: 3 });
  expect(response.status).toBe(200);
  const body = await response.json();
  expect(body.result?.content?.[0]?.text).toBe("5");
}
