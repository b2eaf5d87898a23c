/**
 * `JWTBearer`: tokens for a workload that already holds a JWT from an identity provider the
 * authorization server trusts (a Kubernetes service-account token, a cloud workload identity, a CI
 * job's OIDC token), exchanged with the JWT-bearer grant (RFC 7523 §2.1; MCP's SEP-1933 workload
 * identity federation). No secret is stored anywhere.
 *
 * @example
 * ```ts
 * import { readFile } from "node:fs/promises";
 * import { JWTBearer } from "fastmcp-ts/client/auth";
 * const auth = new JWTBearer({
 *   assertion: () => readFile("/var/run/secrets/tokens/mcp", "utf8"),
 *   scopes: ["mcp"],
 * });
 * ```
 */
import { ClientIdentity, type ClientIdentityOptions } from "./client-identity.js";
import { type GrantContext, TokenGrantAuth, type TokenGrantOptions } from "./token-grant.js";
import type { ClientAuthentication } from "./token-request.js";

/** The RFC 7523 grant type. */
export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/** A JWT, or a function that reads a current one (called for every token request). */
export type AssertionSource = string | (() => string | Promise<string>);

/** Options of {@link JWTBearer}. */
export interface JWTBearerOptions extends TokenGrantOptions, Partial<ClientIdentityOptions> {
  /** The JWT to exchange (the `assertion` parameter). */
  assertion: AssertionSource;
}

/** Throws `${message} (a JWT or a function returning one)` unless `source` is one. */
export function checkAssertionSource(source: unknown, message: string): void {
  if (typeof source !== "string" && typeof source !== "function")
    throw new TypeError(`${message} (a JWT or a function returning one)`);
}

/** Reads an assertion source, refusing what is not a compact JWS. */
export async function readAssertion(source: AssertionSource, what: string): Promise<string> {
  const value = (typeof source === "function" ? await source() : source).trim();
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(value))
    throw new TypeError(`${what} is not a JWT (three base64url parts)`);
  return value;
}

/**
 * Gets tokens with the JWT-bearer grant. The client authenticates only when a `clientId` is given
 * (with a secret or key when it has one). A refused grant is reported, never sent again on its own:
 * a workload identity that is not accepted will not be accepted on the next try either.
 */
export class JWTBearer extends TokenGrantAuth {
  readonly #assertion: AssertionSource;
  readonly #identity: ClientIdentity | undefined;

  constructor(options: JWTBearerOptions) {
    super(options);
    checkAssertionSource(options.assertion, "JWTBearer needs an assertion");
    this.#assertion = options.assertion;
    this.#identity =
      options.clientId === undefined
        ? undefined
        : new ClientIdentity(options as ClientIdentityOptions, "JWTBearer", false);
  }

  protected async grant(): Promise<Record<string, string>> {
    return { grant_type: JWT_BEARER_GRANT, assertion: await readAssertion(this.#assertion, "The assertion") };
  }

  protected clientAuthentication(context: GrantContext): ClientAuthentication | undefined {
    return this.#identity?.authentication(context);
  }

  protected override retryAfterFailure(): boolean {
    return false;
  }

  /** Safe to log. */
  toJSON(): Record<string, unknown> {
    return { grant: JWT_BEARER_GRANT, ...(this.#identity ? this.#identity.toJSON() : {}) };
  }
}
