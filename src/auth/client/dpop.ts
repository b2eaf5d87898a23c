/**
 * DPoP (RFC 9449): a key pair made for one provider, and the proofs it signs: one per token request
 * (binding the token to the key) and one per request to the MCP server (showing the key with the
 * token). A stolen DPoP-bound token is useless without the key, which never leaves the process.
 */

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
  ) {}

  /** Makes a fresh key pair. */
  static async generate(): Promise<DPoPKey> {
    const { exportJWK, generateKeyPair } = await import("jose");
    const { privateKey, publicKey } = await generateKeyPair(ALGORITHM);
    const { kty, crv, x, y } = await exportJWK(publicKey);
    return new DPoPKey(privateKey, { kty, crv, x, y });
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
