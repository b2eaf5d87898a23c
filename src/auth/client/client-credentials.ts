/**
 * `ClientCredentials`: a machine client's own token (OAuth client_credentials grant, RFC 6749 §4.4;
 * MCP's SEP-1046 extension), for servers called by a service rather than a person.
 *
 * @example
 * ```ts
 * import { Client } from "fastmcp-ts";
 * import { ClientCredentials } from "fastmcp-ts/client/auth";
 * const client = new Client("https://mcp.example.com/mcp", {
 *   auth: new ClientCredentials({ clientId: "reporting-job", clientSecret: process.env.SECRET!, scopes: ["mcp"] }),
 * });
 * ```
 */
import { ClientIdentity, type ClientIdentityOptions } from "./client-identity.js";
import { type GrantContext, TokenGrantAuth, type TokenGrantOptions } from "./token-grant.js";
import type { ClientAuthentication, TokenEndpointAuthMethod } from "./token-request.js";

/** Options of {@link ClientCredentials}. */
export interface ClientCredentialsOptions extends TokenGrantOptions, ClientIdentityOptions {
  /**
   * How to authenticate at the token endpoint. Default: `private_key_jwt` with a `privateKey`,
   * else `client_secret_basic` unless the authorization server only lists `client_secret_post`.
   */
  tokenEndpointAuthMethod?: Exclude<TokenEndpointAuthMethod, "none">;
}

/**
 * Gets tokens with the client_credentials grant: the token endpoint given or discovered on the
 * server's first 401, the client authenticated with its secret (Basic or in the body) or a signed
 * JWT (`private_key_jwt`), `resource` (RFC 8707) and `scope` sent. The token is cached per server,
 * renewed shortly before it expires, and replaced when the server refuses it.
 */
export class ClientCredentials extends TokenGrantAuth {
  readonly clientId: string;
  readonly #identity: ClientIdentity;

  constructor(options: ClientCredentialsOptions) {
    super(options);
    if ((options.tokenEndpointAuthMethod as string | undefined) === "none")
      throw new TypeError(
        "ClientCredentials: the client_credentials grant needs client authentication, not none",
      );
    this.#identity = new ClientIdentity(options, "ClientCredentials", true);
    this.clientId = this.#identity.clientId;
  }

  protected grant(): Record<string, string> {
    return { grant_type: "client_credentials" };
  }

  protected clientAuthentication(context: GrantContext): ClientAuthentication {
    return this.#identity.authentication(context);
  }

  /** Never shows the secret or the key (e.g. in `JSON.stringify`). */
  toJSON(): Record<string, unknown> {
    return this.#identity.toJSON();
  }
}
