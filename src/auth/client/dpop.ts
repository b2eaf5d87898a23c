/**
 * DPoP (RFC 9449): a key pair made for one provider, and the proofs it signs: one per token request
 * (binding the token to the key) and one per request to the MCP server (showing the key with the
 * token). A stolen DPoP-bound token is useless without the key, which never leaves the process.
 */

import { OAuthError } from "./errors.js";
import type { AuthChallenge, AuthRequest } from "./provider.js";

/** The proof's subject: the HTTP request it goes on, and what it proves with. */
export interface ProofRequest {
  method: string;
  url: string;
  /** The server-provided nonce (RFC 9449 §8, §9), if one was asked for. */
  nonce?: string | undefined;
  /** The access token the proof goes with (its hash becomes `ath`). */
  accessToken?: string;
}

const ALGORITHM = "ES256";

/** A DPoP key pair (ES256, private key not extractable) and its proofs. */
export class DPoPKey {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicJwk: Record<string, unknown>,
    /** The public key's JWK SHA-256 thumbprint (RFC 7638): what a bound token's `cnf.jkt` names. */
    readonly thumbprint: string,
  ) {}

  /** Makes a fresh key pair. */
  static async generate(): Promise<DPoPKey> {
    const { calculateJwkThumbprint, exportJWK, generateKeyPair } = await import("jose");
    const { privateKey, publicKey } = await generateKeyPair(ALGORITHM);
    const { kty, crv, x, y } = await exportJWK(publicKey);
    const jwk = { kty, crv, x, y };
    return new DPoPKey(privateKey, jwk, await calculateJwkThumbprint(jwk as { kty: string }, "sha256"));
  }

  /** A proof for one request: `htm`, `htu` (no query or fragment), a fresh `jti`, `iat`, and `nonce`/`ath` when given. */
  async proof(request: ProofRequest): Promise<string> {
    const { SignJWT } = await import("jose");
    const target = new URL(request.url);
    const claims: Record<string, unknown> = {
      htm: request.method.toUpperCase(),
      htu: `${target.origin}${target.pathname}`,
      jti: crypto.randomUUID(),
    };
    if (request.nonce !== undefined) claims.nonce = request.nonce;
    if (request.accessToken !== undefined) claims.ath = await sha256Base64url(request.accessToken);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: ALGORITHM, typ: "dpop+jwt", jwk: this.publicJwk })
      .setIssuedAt()
      .sign(this.privateKey);
  }
}

async function sha256Base64url(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  let binary = "";
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The nonces a server asked for, kept per provider and server (RFC 9449 §8, §9). */
export interface DPoPNonces {
  /** The token endpoint's. */
  as?: string | undefined;
  /** The MCP server's. */
  rs?: string | undefined;
}

/** A nonce is an opaque token (RFC 9449 §8.1: NQCHAR); anything else is never put in a proof. */
function isNonce(value: string | undefined): value is string {
  return value !== undefined && /^[\x21\x23-\x5B\x5D-\x7E]{1,1024}$/.test(value);
}

/**
 * A token request carrying a DPoP proof, sent once more with the nonce the token endpoint asks for
 * (`use_dpop_nonce`, RFC 9449 §8). `send` makes the request with the given headers.
 */
export async function withTokenRequestProof<T>(
  key: DPoPKey,
  tokenEndpoint: string,
  nonces: DPoPNonces,
  send: (headers: Record<string, string>) => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const proof = await key.proof({ method: "POST", url: tokenEndpoint, nonce: nonces.as });
    try {
      return await send({ DPoP: proof });
    } catch (error) {
      const nonce =
        error instanceof OAuthError && error.oauthError === "use_dpop_nonce" ? error.dpopNonce : undefined;
      if (attempt > 0 || !isNonce(nonce) || nonce === nonces.as) throw error;
      nonces.as = nonce;
    }
  }
}

/** The headers that present a DPoP-bound `accessToken` on `request`: the DPoP scheme and a fresh proof. */
export async function presentDPoP(
  key: DPoPKey,
  accessToken: string,
  request: AuthRequest,
  nonces: DPoPNonces,
): Promise<Record<string, string>> {
  const proof = await key.proof({ method: request.method, url: request.url, nonce: nonces.rs, accessToken });
  return { Authorization: `DPoP ${accessToken}`, DPoP: proof };
}

/**
 * Reads an MCP server's `use_dpop_nonce` refusal (RFC 9449 §9): true when it brought a new, well
 * formed nonce (now kept in `nonces`), so the request can go again; false when the nonce is missing,
 * malformed, or the one already sent (the server would refuse again).
 */
export function takeServerNonce(challenge: AuthChallenge, nonces: DPoPNonces): boolean {
  if (!isNonce(challenge.dpopNonce) || challenge.dpopNonce === nonces.rs) return false;
  nonces.rs = challenge.dpopNonce;
  return true;
}
