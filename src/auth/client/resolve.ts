/** Turns a Client's `auth` option into the provider a URL transport asks for headers. */
import { BearerAuth, type ClientAuth } from "./bearer.js";
import type { ClientAuthProvider } from "./provider.js";

export function resolveAuth(auth: ClientAuth | undefined): ClientAuthProvider | undefined {
  if (auth === undefined) return undefined;
  return typeof auth === "string" ? new BearerAuth(auth) : auth;
}
