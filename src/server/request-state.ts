/**
 * The integrity-protected `requestState` of 2026-07-28 input-required rounds. It carries the
 * answers gathered in earlier rounds, bound to the method, a digest of the request's salient
 * parameters, the caller's identity and an expiry, and sealed with HMAC-SHA-256 (WebCrypto), so a
 * retry needs no server-side storage and a tampered, replayed-elsewhere or stale one is refused.
 */
import { type RequestStateOptions, secretBytes } from "./request-state-options.js";

export type { RequestStateOptions } from "./request-state-options.js";

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

let sealing: Promise<typeof import("./request-state-seal.js")> | undefined;

/** The crypto of requestState (request-state-seal.ts), loaded on first use. */
export function requestStateCrypto(): Promise<typeof import("./request-state-seal.js")> {
  sealing ??= import("./request-state-seal.js");
  return sealing;
}

/** The digest of the parameters a requestState is bound to. */
export async function salientDigest(params: Record<string, unknown>): Promise<string> {
  return (await requestStateCrypto()).salientDigest(params);
}

/** SHA-256 of `text`, base64url (the principal a requestState or a task is bound to). */
export async function sha256(text: string): Promise<string> {
  return (await requestStateCrypto()).sha256(text);
}

/** How often a scaled-out server may re-read the shared key: after a failed check, and while sealing. */
const RECHECK_AFTER_FAILURE_MS = 5_000;
const RECHECK_WHILE_SEALING_MS = 60_000;

/**
 * Seals and opens requestState with this server's key. Made when the server starts serving (the
 * options were checked when it was made); the random key (unless one is given) and the crypto code
 * wait for the first requestState.
 */
export class RequestStateCodec {
  private key: Promise<CryptoKey> | undefined;
  private secret: Uint8Array | undefined;
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
    this.secret = secretBytes(secret);
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

  private hmacKey(): Promise<CryptoKey> {
    this.secret ??= crypto.getRandomValues(new Uint8Array(32));
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
    const { sealState } = await requestStateCrypto();
    return sealState(await this.hmacKey(), this.ttlMs, payload, now);
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
    const { openState, verifyState } = await requestStateCrypto();
    const verify = async (signature: Uint8Array, body: string) =>
      (await verifyState(await this.hmacKey(), signature, body)) ||
      (this.previousKey !== undefined && (await verifyState(await this.previousKey, signature, body))) ||
      ((await this.rechecked("failure")) && (await verifyState(await this.hmacKey(), signature, body)));
    return openState(verify, token, expected, now);
  }
}
