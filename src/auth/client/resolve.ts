/** Turns a Client's `auth` option into the provider a URL transport asks for headers. */
import { BearerAuth, type ClientAuth } from "./bearer.js";
import { LazyOAuth } from "./lazy-oauth.js";
import type { ClientAuthProvider } from "./provider.js";

/** `"oauth"` is an `OAuth` with its defaults (browser login); any other string is a bearer token. */
export function resolveAuth(auth: ClientAuth | undefined): ClientAuthProvider | undefined {
  if (auth === undefined) return undefined;
  if (auth === "oauth") return new LazyOAuth();
  return typeof auth === "string" ? new BearerAuth(auth) : auth;
}
