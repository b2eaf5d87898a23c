/** Random identifiers, hashes and PKCE for the OAuth proxy (node:crypto; the auth entry runs on Node). */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** 32 random bytes, base64url: tokens, codes, state, CSRF values. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/** SHA-256 of `value`, base64url: how tokens and codes are keyed in the store (a dump holds no usable secret). */
export function sha256(value: string): string {
  return createHash("sha256").update(value).digest("base64url");
}

/** The S256 PKCE challenge of a verifier (RFC 7636 §4.2). */
export function pkceChallenge(verifier: string): string {
  return sha256(verifier);
}

/** Compares two secrets in constant time (for equal lengths). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
export const PKCE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
/** A base64url SHA-256 digest: what an S256 challenge is. */
export const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
