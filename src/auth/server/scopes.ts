/** `requireScopes`: the stock per-component access check. */
import type { AuthCheck, AuthInfo } from "../types.js";

/**
 * A check passing only callers whose token holds every one of `scopes`; a caller without a
 * verified token never passes. Components it guards are left out of lists and answer as unknown.
 *
 * @example
 * ```ts
 * import { requireScopes } from "fastmcp-ts/server/auth";
 * mcp.tool("delete", { auth: requireScopes("write") }, handler);
 * ```
 */
export function requireScopes(...scopes: string[]): AuthCheck {
  if (scopes.length === 0) throw new TypeError("requireScopes() needs at least one scope");
  for (const scope of scopes) {
    if (typeof scope !== "string" || scope === "" || /\s/.test(scope)) {
      throw new TypeError(`requireScopes(): invalid scope ${JSON.stringify(scope)}`);
    }
  }
  const wanted = [...new Set(scopes)];
  return (auth: AuthInfo | undefined) => {
    const held = auth?.scopes;
    return held !== undefined && wanted.every((scope) => held.includes(scope));
  };
}
