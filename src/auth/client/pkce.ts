/**
 * PKCE (RFC 7636, S256 only) and the random values of a flow, on Web Crypto so that the client auth
 * entry loads in any runtime.
 */

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** `bytes` random bytes as base64url (no padding). */
export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** `bytes` random bytes as lowercase hex. */
export function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");
}

/** SHA-256 of a string, as lowercase hex. */
export async function sha256Hex(text: string): Promise<string> {
  return Array.from(await sha256(text), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A PKCE pair: the verifier stays with the client, the challenge goes to the authorization endpoint. */
export interface Pkce {
  verifier: string;
  challenge: string;
  method: "S256";
}

/** A fresh PKCE pair: a 43-character verifier (256 random bits) and its S256 challenge. */
export async function createPkce(): Promise<Pkce> {
  const verifier = randomToken(32);
  return { verifier, challenge: base64url(await sha256(verifier)), method: "S256" };
}
