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
import type { ClientAssertionKey, PrivateKeyInput } from "./client-assertion.js";
import { type GrantContext, TokenGrantAuth, type TokenGrantOptions } from "./token-grant.js";
import type { ClientAuthentication, TokenEndpointAuthMethod } from "./token-request.js";

/** Options of {@link ClientCredentials}. */
export interface ClientCredentialsOptions extends TokenGrantOptions {
  clientId: string;
  /** The client secret, for `client_secret_basic` and `client_secret_post`. */
  clientSecret?: string;
  /**
   * How to authenticate at the token endpoint. Default: `private_key_jwt` with a `privateKey`,
   * else `client_secret_basic` unless the authorization server only lists `client_secret_post`.
   */
  tokenEndpointAuthMethod?: Exclude<TokenEndpointAuthMethod, "none">;
  /** For `private_key_jwt` (RFC 7523): a PKCS#8 PEM, a private JWK, or a KeyObject/CryptoKey. */
  privateKey?: PrivateKeyInput;
  /** The signing algorithm for `private_key_jwt` (`ES256`, `RS256`, `EdDSA`...); a JWK's `alg` otherwise. */
  algorithm?: string;
  /** The `kid` of the signing key in the client's registered JWKS. */
  keyId?: string;
  /** The client assertion's `aud`. Default: the authorization server's issuer when discovered, else the token endpoint. */
  assertionAudience?: string;
}

/**
 * Gets tokens with the client_credentials grant: the token endpoint given or discovered on the
 * server's first 401, the client authenticated with its secret (Basic or in the body) or a signed
 * JWT (`private_key_jwt`), `resource` (RFC 8707) and `scope` sent. The token is cached per server,
 * renewed shortly before it expires, and replaced when the server refuses it.
 */
export class ClientCredentials extends TokenGrantAuth {
  readonly clientId: string;
  private readonly secret: string | undefined;
  private readonly method: Exclude<TokenEndpointAuthMethod, "none"> | undefined;
  private readonly key: ClientAssertionKey | undefined;
  private readonly assertionAudience: string | undefined;

  constructor(options: ClientCredentialsOptions) {
    super(options);
    if (typeof options.clientId !== "string" || options.clientId.length === 0)
      throw new TypeError("ClientCredentials needs a clientId");
    this.clientId = options.clientId;
    this.secret = options.clientSecret;
    this.assertionAudience = options.assertionAudience;
    const method = options.tokenEndpointAuthMethod ?? (options.privateKey ? "private_key_jwt" : undefined);
    this.method = method;
    if (method === "private_key_jwt") {
      if (!options.privateKey) throw new TypeError("private_key_jwt needs a privateKey");
      this.key = {
        privateKey: options.privateKey,
        ...(options.algorithm === undefined ? {} : { algorithm: options.algorithm }),
        ...(options.keyId === undefined ? {} : { keyId: options.keyId }),
      };
      checkKey(this.key);
    } else {
      if (typeof options.clientSecret !== "string" || options.clientSecret.length === 0)
        throw new TypeError("ClientCredentials needs a clientSecret (or a privateKey for private_key_jwt)");
      if (method !== undefined && method !== "client_secret_basic" && method !== "client_secret_post")
        throw new TypeError(`Unknown tokenEndpointAuthMethod ${String(method)}`);
    }
  }

  protected grant(): Record<string, string> {
    return { grant_type: "client_credentials" };
  }

  protected clientAuthentication(context: GrantContext): ClientAuthentication {
    const method = this.method ?? this.secretMethod(context);
    if (method === "private_key_jwt") {
      return {
        clientId: this.clientId,
        method,
        assertionKey: this.key as ClientAssertionKey,
        audience:
          this.assertionAudience ?? context.discovered?.authorizationServer.issuer ?? context.tokenEndpoint,
      };
    }
    return { clientId: this.clientId, method, clientSecret: this.secret as string };
  }

  /** Never shows the secret or the key (e.g. in `console.log(client)`). */
  toJSON(): Record<string, unknown> {
    return { clientId: this.clientId, method: this.method ?? "client_secret_basic" };
  }
}

/** What can be told about a key without importing it: that an algorithm is known, that a JWK is private. */
function checkKey(key: ClientAssertionKey): void {
  const input = key.privateKey;
  const jwk = typeof input === "object" && typeof (input as { kty?: unknown }).kty === "string";
  if (jwk) {
    const value = input as { d?: unknown; alg?: unknown };
    if (value.d === undefined)
      throw new TypeError("privateKey is a public JWK; private_key_jwt needs the private key");
    if (key.algorithm === undefined && typeof value.alg !== "string")
      throw new TypeError("privateKey is a JWK without alg: give `algorithm` (e.g. ES256)");
  } else if (key.algorithm === undefined) {
    throw new TypeError("private_key_jwt with a PEM or key object needs `algorithm` (e.g. ES256)");
  }
}
