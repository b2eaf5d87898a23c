/**
 * RFC 7523 client assertions (`private_key_jwt`, RFC 7521 §4.2): a short-lived JWT signed with the
 * client's private key, `iss` = `sub` = the client ID, `aud` = the authorization server.
 */
import type { CryptoKey, JWK, KeyObject } from "jose";

/** A private key as a user has it: a PEM (PKCS#8) string, a JWK, or a KeyObject/CryptoKey. */
export type PrivateKeyInput = string | JWK | KeyObject | CryptoKey;

/** The signing key of a client and how to use it. */
export interface ClientAssertionKey {
  privateKey: PrivateKeyInput;
  /** The JWS algorithm (e.g. `ES256`, `RS256`, `EdDSA`). Taken from a JWK's `alg` when it has one. */
  algorithm?: string;
  /** The `kid` header, so the server can pick the key from the client's JWKS. Taken from a JWK's `kid` when unset. */
  keyId?: string;
  /** Seconds the assertion is valid (default 60). */
  lifetimeSec?: number;
}

const imported = new WeakMap<
  object,
  Promise<{ key: CryptoKey | KeyObject | Uint8Array; alg: string; kid?: string }>
>();

async function importKey(
  input: ClientAssertionKey,
): Promise<{ key: CryptoKey | KeyObject | Uint8Array; alg: string; kid?: string }> {
  const { importJWK, importPKCS8 } = await import("jose");
  const { privateKey } = input;
  if (typeof privateKey === "string") {
    if (!input.algorithm) throw new TypeError("A PEM private key needs an `algorithm` (e.g. ES256)");
    return { key: await importPKCS8(privateKey, input.algorithm), alg: input.algorithm, ...kid(input.keyId) };
  }
  if (isJwk(privateKey)) {
    if (!privateKey.d) throw new TypeError("The JWK is not a private key");
    const alg = input.algorithm ?? privateKey.alg;
    if (!alg) throw new TypeError("A JWK without `alg` needs an `algorithm` (e.g. ES256)");
    return { key: await importJWK(privateKey, alg), alg, ...kid(input.keyId ?? privateKey.kid) };
  }
  if (!input.algorithm) throw new TypeError("A private key object needs an `algorithm` (e.g. ES256)");
  return { key: privateKey, alg: input.algorithm, ...kid(input.keyId) };
}

function kid(value: string | undefined): { kid?: string } {
  return value === undefined ? {} : { kid: value };
}

function isJwk(value: PrivateKeyInput): value is JWK {
  return typeof value === "object" && typeof (value as { kty?: unknown }).kty === "string";
}

/** Checks a key once (import it): a bad key is an error at construction time, not at the first request. */
export function prepareAssertionKey(input: ClientAssertionKey): Promise<unknown> {
  let found = imported.get(input);
  if (!found) {
    found = importKey(input);
    imported.set(input, found);
  }
  return found;
}

/** A fresh client assertion for one token request. */
export async function signClientAssertion(
  input: ClientAssertionKey,
  claims: { clientId: string; audience: string },
): Promise<string> {
  const { SignJWT } = await import("jose");
  const {
    key,
    alg,
    kid: keyId,
  } = (await prepareAssertionKey(input)) as {
    key: CryptoKey | KeyObject | Uint8Array;
    alg: string;
    kid?: string;
  };
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg, typ: "JWT", ...(keyId === undefined ? {} : { kid: keyId }) })
    .setIssuer(claims.clientId)
    .setSubject(claims.clientId)
    .setAudience(claims.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + (input.lifetimeSec ?? 60))
    .setJti(crypto.randomUUID())
    .sign(key);
}
