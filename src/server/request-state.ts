/**
 * The integrity-protected `requestState` of 2026-07-28 input-required rounds. It carries the
 * answers gathered in earlier rounds, bound to the method, a digest of the request's salient
 * parameters, the caller's identity and an expiry, and sealed with HMAC-SHA-256 (WebCrypto), so a
 * retry needs no server-side storage and a tampered, replayed-elsewhere or stale one is refused.
 */
import { McpError } from "../errors.js";
import { ErrorCode } from "../protocol/codes.js";
import { MAX_INPUT_DEPTH, tooDeep } from "./depth.js";

export interface RequestStateOptions {
  /**
   * The HMAC key. Give the same secret to every instance behind a load balancer; by default a
   * random key is made per process (so retries must reach the same process).
   */
  secret?: string | Uint8Array;
  /** How long a requestState stays valid (ms, default 10 minutes). */
  ttlMs?: number;
}

/** What a requestState holds. */
export interface RequestStatePayload {
  /** The method it was issued for. */
  method: string;
  /** SHA-256 of the request's salient parameters (name or uri, and arguments). */
  digest: string;
  /** Who it was issued to (a hash of the token or client id), when authenticated. */
  principal: string | undefined;
  /** Answers gathered so far, by input key. */
  answers: Record<string, unknown>;
  /** Rounds so far. */
  round: number;
}

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

/** How often a scaled-out server may re-read the shared key: after a failed check, and while sealing. */
const RECHECK_AFTER_FAILURE_MS = 5_000;
const RECHECK_WHILE_SEALING_MS = 60_000;

export class RequestStateCodec {
  private key: Promise<CryptoKey> | undefined;
  private secret: Uint8Array;
  /** Scaled out: the key used before the shared one changed, still accepted when opening. */
  private previousKey: Promise<CryptoKey> | undefined;
  /**
   * Scaled out: re-reads the shared secret (the store may have lost it, and other instances made
   * another); resolves true when it changed.
   */
  private recheck: (() => Promise<boolean>) | undefined;
  /** When the shared secret was last re-read, after a failed check and while sealing. */
  private readonly checkedAt = { failure: 0, sealing: 0 };
  /** Whether the secret was given (a scaled-out server then keeps it rather than share one). */
  readonly givenSecret: boolean;
  readonly ttlMs: number;

  constructor(options: RequestStateOptions = {}) {
    const secret = options.secret;
    this.givenSecret = secret !== undefined;
    this.secret =
      secret === undefined
        ? crypto.getRandomValues(new Uint8Array(32))
        : typeof secret === "string"
          ? encoder.encode(secret)
          : secret;
    if (this.secret.length < 16) throw new TypeError("requestState secret must be at least 16 bytes");
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
  }

  /**
   * Uses the secret every instance of a scaled-out server shares, unless one was given; the one it
   * replaces still opens the states it sealed. `recheck` reads the shared secret again.
   */
  useSharedSecret(secret: Uint8Array, recheck?: () => Promise<boolean>): void {
    if (this.givenSecret) return;
    if (recheck) this.recheck = recheck;
    if (this.key) this.previousKey = this.key;
    this.secret = secret;
    this.key = undefined;
  }

  /** The shared secret read again, at most once per interval of each occasion; true when it changed. */
  private async rechecked(occasion: "failure" | "sealing"): Promise<boolean> {
    const interval = occasion === "failure" ? RECHECK_AFTER_FAILURE_MS : RECHECK_WHILE_SEALING_MS;
    if (!this.recheck || Date.now() - this.checkedAt[occasion] < interval) return false;
    this.checkedAt[occasion] = Date.now();
    return this.recheck().catch(() => false);
  }

  private async verify(key: Promise<CryptoKey>, signature: Uint8Array, body: string): Promise<boolean> {
    return crypto.subtle.verify("HMAC", await key, signature as BufferSource, encoder.encode(body));
  }

  private hmacKey(): Promise<CryptoKey> {
    this.key ??= crypto.subtle.importKey(
      "raw",
      this.secret as BufferSource,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    return this.key;
  }

  /** Seals a payload into an opaque string. */
  async seal(payload: RequestStatePayload, now = Date.now()): Promise<string> {
    // Converges on the key the other instances use after the store lost it (in the background).
    void this.rechecked("sealing");
    const body = toBase64Url(
      encoder.encode(
        JSON.stringify({
          v: 1,
          m: payload.method,
          d: payload.digest,
          p: payload.principal,
          a: payload.answers,
          r: payload.round,
          e: now + this.ttlMs,
        }),
      ),
    );
    const signature = new Uint8Array(
      await crypto.subtle.sign("HMAC", await this.hmacKey(), encoder.encode(body)),
    );
    return `${body}.${toBase64Url(signature)}`;
  }

  /**
   * Opens a requestState presented on a retry; throws -32602 when it was tampered with, has
   * expired, or was issued for another method, other parameters or another caller.
   */
  async open(
    token: unknown,
    expected: { method: string; digest: string; principal: string | undefined },
    now = Date.now(),
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
    const valid =
      (await this.verify(this.hmacKey(), signature, body)) ||
      (this.previousKey !== undefined && (await this.verify(this.previousKey, signature, body))) ||
      ((await this.rechecked("failure")) && (await this.verify(this.hmacKey(), signature, body)));
    if (!valid) throw invalid("integrity check failed");
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
}
