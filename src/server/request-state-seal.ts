/**
 * The crypto of requestState (request-state.ts): sealing with HMAC-SHA-256 (WebCrypto), opening
 * and checking, and the digests a requestState is bound to. Loaded when a server first issues or
 * receives one, so a server whose handlers never ask for input does not load it.
 */
import { McpError } from "../errors.js";
import { ErrorCode } from "../protocol/codes.js";
import { MAX_INPUT_DEPTH, tooDeep } from "./depth.js";
import type { RequestStatePayload } from "./request-state.js";

const encoder = new TextEncoder();

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/**
 * JSON with object keys sorted, so equal values always digest the same. Recursive, so bounded:
 * requests are checked against MAX_INPUT_DEPTH on the way in, and this refuses anything deeper
 * rather than overflow the stack should it be handed an unchecked value.
 */
export function canonicalJson(value: unknown, depth = 0): string {
  // The digested value wraps the arguments two levels down.
  if (depth > MAX_INPUT_DEPTH + 2) throw tooDeep("the request");
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item, depth + 1)).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value).sort();
    return `{${keys
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map(
        (key) =>
          `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key], depth + 1)}`,
      )
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export async function sha256(text: string): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text))));
}

/** The digest of the parameters a requestState is bound to. */
export function salientDigest(params: Record<string, unknown>): Promise<string> {
  return sha256(canonicalJson({ name: params.name, uri: params.uri, arguments: params.arguments }));
}

function invalid(reason: string): McpError {
  return new McpError(ErrorCode.InvalidParams, `Invalid requestState: ${reason}`);
}

/** Seals a payload into an opaque string, valid for `ttlMs`. */
export async function sealState(
  key: CryptoKey,
  ttlMs: number,
  payload: RequestStatePayload,
  now: number,
): Promise<string> {
  const body = toBase64Url(
    encoder.encode(
      JSON.stringify({
        v: 1,
        m: payload.method,
        d: payload.digest,
        p: payload.principal,
        a: payload.answers,
        r: payload.round,
        e: now + ttlMs,
      }),
    ),
  );
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(body)));
  return `${body}.${toBase64Url(signature)}`;
}

/**
 * Opens a requestState presented on a retry; throws -32602 when it was tampered with, has
 * expired, or was issued for another method, other parameters or another caller.
 */
/** Whether `signature` is `key`'s HMAC of `body`. */
export async function verifyState(key: CryptoKey, signature: Uint8Array, body: string): Promise<boolean> {
  return crypto.subtle.verify("HMAC", key, signature as BufferSource, encoder.encode(body));
}

export async function openState(
  verify: (signature: Uint8Array, body: string) => Promise<boolean>,
  token: unknown,
  expected: { method: string; digest: string; principal: string | undefined },
  now: number,
): Promise<RequestStatePayload> {
  if (typeof token !== "string") throw invalid("must be a string");
  const dot = token.indexOf(".");
  if (dot <= 0) throw invalid("malformed");
  const body = token.slice(0, dot);
  let signature: Uint8Array;
  const encodedSignature = token.slice(dot + 1);
  try {
    signature = fromBase64Url(encodedSignature);
  } catch {
    throw invalid("malformed signature");
  }
  // Only the canonical encoding: the last character carries unused bits, and a token that differs
  // there must not pass for the same signature.
  if (toBase64Url(signature) !== encodedSignature) throw invalid("malformed signature");
  if (!(await verify(signature, body))) throw invalid("integrity check failed");
  let data: {
    v?: unknown;
    m?: unknown;
    d?: unknown;
    p?: unknown;
    a?: unknown;
    r?: unknown;
    e?: unknown;
  };
  try {
    data = JSON.parse(new TextDecoder().decode(fromBase64Url(body)));
  } catch {
    throw invalid("malformed payload");
  }
  if (data.v !== 1) throw invalid("unknown version");
  if (typeof data.e !== "number" || data.e < now) throw invalid("expired");
  if (data.m !== expected.method) throw invalid(`issued for ${String(data.m)}, not ${expected.method}`);
  if (data.d !== expected.digest) throw invalid("issued for a request with other parameters");
  if ((data.p ?? undefined) !== expected.principal) throw invalid("issued to another caller");
  const answers =
    typeof data.a === "object" && data.a !== null && !Array.isArray(data.a)
      ? (data.a as Record<string, unknown>)
      : {};
  return {
    method: expected.method,
    digest: expected.digest,
    principal: expected.principal,
    answers,
    round: typeof data.r === "number" ? data.r : 0,
  };
}
