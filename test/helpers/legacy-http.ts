/**
 * Raw legacy-era (2025-11-25) Streamable HTTP requests for the session tests: initialize, calls
 * with SSE-framed replies, resumption with Last-Event-ID, DELETE; optionally with a bearer token or
 * from another local address (node:http with `localAddress`, which fetch cannot set).
 */
import { Agent, request as httpRequest } from "node:http";
import { expect } from "vitest";
import { ACCEPT_BOTH } from "./modern-http.js";
import { LEGACY } from "./protocol.js";

/** The headers of a request in session `sessionId` (with `token` as bearer when given). */
export function legacyHeaders(sessionId: string | undefined, token?: string): Record<string, string> {
  return {
    "content-type": "application/json",
    accept: ACCEPT_BOTH,
    "mcp-protocol-version": LEGACY,
    ...(sessionId === undefined ? {} : { "mcp-session-id": sessionId }),
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One HTTP exchange over node:http (a fresh connection, bound to `localAddress` when given). */
export function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: unknown,
  localAddress?: string,
  agent?: Agent,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method, headers, agent: agent ?? false, ...(localAddress ? { localAddress } : {}) },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.once("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: Object.fromEntries(
              Object.entries(res.headers).map(([name, value]) => [name, String(value)]),
            ),
            body: text,
          }),
        );
        res.once("error", reject);
      },
    );
    req.once("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** `initialize` + `notifications/initialized`; the session id, or the refusal's reply. */
export async function tryInitialize(
  url: string,
  token?: string,
  localAddress?: string,
): Promise<{ id: string } | { reply: Reply }> {
  const reply = await send(
    url,
    "POST",
    legacyHeaders(undefined, token),
    {
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    },
    localAddress,
  );
  const id = reply.headers["mcp-session-id"];
  if (reply.status !== 200 || !id) return { reply };
  const initialized = await send(
    url,
    "POST",
    legacyHeaders(id, token),
    { jsonrpc: "2.0", method: "notifications/initialized" },
    localAddress,
  );
  expect(initialized.status).toBe(202);
  return { id };
}

export async function initialize(url: string, token?: string, localAddress?: string): Promise<string> {
  const out = await tryInitialize(url, token, localAddress);
  if ("reply" in out) throw new Error(`initialize refused: ${out.reply.status} ${out.reply.body}`);
  return out.id;
}

let nextId = 1;

/** A `tools/call` in the session; with a progress token, so a tool that reports progress answers in SSE. */
export function callInSession(
  url: string,
  sessionId: string,
  name: string,
  args: Record<string, unknown> = {},
  token?: string,
  localAddress?: string,
): Promise<Reply> {
  return send(
    url,
    "POST",
    legacyHeaders(sessionId, token),
    {
      jsonrpc: "2.0",
      id: nextId++,
      method: "tools/call",
      params: { name, arguments: args, _meta: { progressToken: `p${nextId}` } },
    },
    localAddress,
  );
}

/**
 * GET on the endpoint: a resumption after `lastEventId`, or else the session's GET stream (which
 * stays open: only for requests expected to be refused).
 */
export function getStream(
  url: string,
  sessionId: string,
  lastEventId: string | undefined,
  token?: string,
): Promise<Reply> {
  return send(url, "GET", {
    accept: "text/event-stream",
    "mcp-protocol-version": LEGACY,
    "mcp-session-id": sessionId,
    ...(lastEventId === undefined ? {} : { "last-event-id": lastEventId }),
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
  });
}

export function deleteSession(url: string, sessionId: string, token?: string): Promise<Reply> {
  return send(url, "DELETE", legacyHeaders(sessionId, token));
}

/**
 * `count` initialize requests from one client (a token, or a local address), `concurrency` at a
 * time over keep-alive connections; the statuses seen, with how often.
 */
export async function floodInitialize(
  url: string,
  count: number,
  options: { token?: string; localAddress?: string; concurrency?: number } = {},
): Promise<Map<number, number>> {
  const concurrency = options.concurrency ?? 8;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses = new Map<number, number>();
  let started = 0;
  const body = {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: "flood", version: "1" } },
  };
  const worker = async () => {
    while (started < count) {
      started++;
      const reply = await send(
        url,
        "POST",
        legacyHeaders(undefined, options.token),
        body,
        options.localAddress,
        agent,
      );
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return statuses;
}
