/**
 * A client's identity at a token endpoint, from the options a user gives: a secret (Basic or in the
 * body), a private key (`private_key_jwt`, RFC 7523), or only a client ID (`none`). Checked once at
 * construction; resolved per request, when discovery has told which methods the server takes.
 */
import type { ClientAssertionKey, PrivateKeyInput } from "./client-assertion.js";
import type { GrantContext } from "./token-grant.js";
import type { ClientAuthentication, TokenEndpointAuthMethod } from "./token-request.js";

/** How a client proves who it is at the token endpoint. */
export interface ClientIdentityOptions {
  clientId: string;
  /** The client secret, for `client_secret_basic` and `client_secret_post`. */
  clientSecret?: string;
  /**
   * How to authenticate at the token endpoint. Default: `private_key_jwt` with a `privateKey`,
   * else with a secret `client_secret_basic` unless the authorization server only lists
   * `client_secret_post`.
   */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  /** For `private_key_jwt`: a PKCS#8 PEM, a private JWK, or a KeyObject/CryptoKey. */
  privateKey?: PrivateKeyInput;
  /** The signing algorithm for `private_key_jwt` (`ES256`, `RS256`, `EdDSA`...); a JWK's `alg` otherwise. */
  algorithm?: string;
  /** The `kid` of the signing key in the client's registered JWKS. */
  keyId?: string;
  /** The client assertion's `aud`. Default: the authorization server's issuer when discovered, else the token endpoint. */
  assertionAudience?: string;
}

const METHODS: readonly TokenEndpointAuthMethod[] = [
  "client_secret_basic",
  "client_secret_post",
  "private_key_jwt",
  "none",
];

/** A checked client identity; `authentication(context)` gives what a token request sends. */
export class ClientIdentity {
  readonly clientId: string;
  readonly #secret: string | undefined;
  private readonly method: TokenEndpointAuthMethod | undefined;
  readonly #key: ClientAssertionKey | undefined;
  private readonly assertionAudience: string | undefined;

  /** `what` names the provider in errors; `secretRequired` refuses an identity with neither secret nor key. */
  constructor(options: ClientIdentityOptions, what: string, secretRequired: boolean) {
    if (typeof options.clientId !== "string" || options.clientId.length === 0)
      throw new TypeError(`${what} needs a clientId`);
    const method = options.tokenEndpointAuthMethod ?? (options.privateKey ? "private_key_jwt" : undefined);
    if (method !== undefined && !METHODS.includes(method))
      throw new TypeError(`${what}: unknown tokenEndpointAuthMethod ${String(method)}`);
    this.clientId = options.clientId;
    this.#secret = options.clientSecret;
    this.method = method ?? (options.clientSecret === undefined && !secretRequired ? "none" : undefined);
    this.assertionAudience = options.assertionAudience;
    if (method === "private_key_jwt") {
      if (!options.privateKey) throw new TypeError(`${what}: private_key_jwt needs a privateKey`);
      this.#key = {
        privateKey: options.privateKey,
        ...(options.algorithm === undefined ? {} : { algorithm: options.algorithm }),
        ...(options.keyId === undefined ? {} : { keyId: options.keyId }),
      };
      checkKey(this.#key);
    } else if (this.method !== "none") {
      if (typeof options.clientSecret !== "string" || options.clientSecret.length === 0)
        throw new TypeError(`${what} needs a clientSecret (or a privateKey for private_key_jwt)`);
    }
  }

  /** What the token request sends to authenticate the client. */
  authentication(context: GrantContext): ClientAuthentication {
    const method = this.method ?? secretMethod(context);
    if (method === "private_key_jwt") {
      return {
        clientId: this.clientId,
        method,
        assertionKey: this.#key as ClientAssertionKey,
        audience:
          this.assertionAudience ?? context.discovered?.authorizationServer.issuer ?? context.tokenEndpoint,
      };
    }
    if (method === "none") return { clientId: this.clientId, method };
    return { clientId: this.clientId, method, clientSecret: this.#secret as string };
  }

  /** Safe to log: the client ID and method, never the secret or the key. */
  toJSON(): Record<string, unknown> {
    return { clientId: this.clientId, method: this.method ?? "client_secret_basic" };
  }
}

/**
 * The secret method when the options name none: `client_secret_basic` unless the authorization
 * server says it only takes `client_secret_post` (RFC 8414's default is basic).
 */
function secretMethod(context: GrantContext): TokenEndpointAuthMethod {
  const supported = context.discovered?.authorizationServer.tokenEndpointAuthMethodsSupported;
  if (!Array.isArray(supported) || supported.includes("client_secret_basic")) return "client_secret_basic";
  return supported.includes("client_secret_post") ? "client_secret_post" : "client_secret_basic";
}

/** What can be told about a key without importing it: that an algorithm is known, that a JWK is private. */
function checkKey(key: ClientAssertionKey): void {
  const input = key.privateKey;
  if (typeof input === "object" && typeof (input as { kty?: unknown }).kty === "string") {
    const jwk = input as { d?: unknown; alg?: unknown };
    if (jwk.d === undefined)
      throw new TypeError("privateKey is a public JWK; private_key_jwt needs the private key");
    if (key.algorithm === undefined && typeof jwk.alg !== "string")
      throw new TypeError("privateKey is a JWK without alg: give `algorithm` (e.g. ES256)");
  } else if (key.algorithm === undefined) {
    throw new TypeError("private_key_jwt with a PEM or key object needs `algorithm` (e.g. ES256)");
  }
}
