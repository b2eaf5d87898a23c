/**
 * `JWTVerifier`: checks bearer tokens that are JWTs signed by an authorization server, against its
 * JWKS (cached, refetched on an unknown `kid`) or a fixed public key. All JOSE work is jose's.
 */
import { createPublicKey, KeyObject } from "node:crypto";
import {
  createRemoteJWKSet,
  type FlattenedJWSInput,
  type JWK,
  type JWSHeaderParameters,
  type JWTPayload,
  jwtVerify,
} from "jose";
import type { AuthInfo } from "../types.js";
import type { TokenVerifier } from "./core.js";

/** The asymmetric algorithms accepted unless `algorithms` says otherwise. */
const ASYMMETRIC_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
] as const;

/** Tokens longer than this are refused unread: no parsing work for an attacker's megabyte. */
const MAX_TOKEN_LENGTH = 8 * 1024;

/**
 * jose error codes that mean "this token is not acceptable". Anything else thrown while resolving
 * a JWKS key means the JWKS itself could not be had (network, status, body): an outage.
 */
const TOKEN_KEY_ERRORS = new Set([
  "ERR_JWKS_NO_MATCHING_KEY",
  "ERR_JWKS_MULTIPLE_MATCHING_KEYS",
  "ERR_JOSE_NOT_SUPPORTED",
  "ERR_JWS_INVALID",
  "ERR_JWK_INVALID",
]);

/** A public key: PEM (SPKI or X.509 certificate), a JWK, a node KeyObject or a WebCrypto CryptoKey. */
export type PublicKeyInput = string | JWK | KeyObject | CryptoKey;

export interface JWTVerifierOptions {
  /** Where the authorization server publishes its keys (`jwks_uri`). One of this or `publicKey`. */
  jwksUri?: string;
  /** A fixed verification key, when there is no JWKS. */
  publicKey?: PublicKeyInput;
  /** The expected `iss`. */
  issuer?: string;
  /**
   * The expected `aud` (any of them); a token without `aud` is refused when this is given. Behind a
   * RemoteAuthProvider it defaults to the protected resource's URL; used alone, `aud` is not checked.
   */
  audience?: string | string[];
  /** Scopes every token must carry (403 insufficient_scope otherwise). */
  requiredScopes?: string[];
  /** The accepted `alg` values; default the asymmetric ones (RS*, PS*, ES*, EdDSA). */
  algorithms?: string[];
  /** Clock skew tolerated on `exp`/`nbf`/`iat`, in seconds. Default 30. */
  clockToleranceSec?: number;
  /**
   * The least time between two JWKS fetches, in ms (an unknown `kid` refetches at most this often;
   * after a failed fetch, tokens are refused for this long before the next try). Default 30 000.
   */
  jwksCooldownMs?: number;
}

type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey | KeyObject>;

/**
 * Verifies JWT bearer tokens: signature (JWKS or fixed key), `iss`, `aud`, `exp`/`nbf` with skew,
 * and the algorithm allow-list; the identity carries the scopes from `scope` or `scp`.
 * `verify` never throws: an invalid token, or a JWKS that cannot be fetched, resolves to undefined.
 *
 * @example
 * ```ts
 * import { JWTVerifier } from "fastmcp-ts/server/auth";
 * const auth = new JWTVerifier({
 *   jwksUri: "https://auth.example.com/.well-known/jwks.json",
 *   issuer: "https://auth.example.com/",
 *   audience: "https://mcp.example.com/mcp",
 *   requiredScopes: ["mcp"],
 * });
 * const mcp = new FastMCP({ name: "secure", auth });
 * ```
 */
export class JWTVerifier implements TokenVerifier {
  readonly requiredScopes?: readonly string[];
  private readonly key: KeyObject | CryptoKey | KeyResolver;
  /** Whether `audience` was given (else the protected resources set it). */
  private readonly audienceGiven: boolean;
  private readonly options: {
    issuer?: string;
    /** Set from the protected resource when not given (see forResource). */
    audience?: string | string[];
    algorithms: string[];
    clockTolerance: number;
  };

  constructor(options: JWTVerifierOptions) {
    const { jwksUri, publicKey } = options;
    if ((jwksUri === undefined) === (publicKey === undefined))
      throw new TypeError("JWTVerifier needs exactly one of jwksUri and publicKey");
    const algorithms = options.algorithms ?? [...ASYMMETRIC_ALGORITHMS];
    for (const alg of algorithms) {
      // `none` is no signature; HS* with a public key would let anyone who has the (public) key sign.
      if (alg.toLowerCase() === "none" || alg.toUpperCase().startsWith("HS"))
        throw new TypeError(`JWTVerifier refuses the algorithm ${alg}: only asymmetric signatures`);
    }
    if (algorithms.length === 0) throw new TypeError("JWTVerifier needs at least one algorithm");
    this.options = {
      algorithms,
      clockTolerance: options.clockToleranceSec ?? 30,
      ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
      ...(options.audience === undefined ? {} : { audience: options.audience }),
    };
    this.audienceGiven = options.audience !== undefined;
    if (options.requiredScopes) this.requiredScopes = options.requiredScopes;
    this.key =
      jwksUri !== undefined
        ? remoteKeys(new URL(jwksUri), options.jwksCooldownMs ?? 30_000)
        : toPublicKey(publicKey as PublicKeyInput);
  }

  /**
   * Told the protected resource's URL by an auth provider (RemoteAuthProvider): without an
   * `audience` of its own, the verifier then requires tokens issued for one of the resources it was
   * told of (RFC 8707), so a token minted for another service is refused.
   */
  forResource(resource: string): void {
    if (this.audienceGiven) return;
    // Every endpoint's resource: a server on several transports has one for each.
    const known = (this.options.audience as string[] | undefined) ?? [];
    if (!known.includes(resource)) this.options.audience = [...known, resource];
  }

  async verify(token: string): Promise<AuthInfo | undefined> {
    if (typeof token !== "string" || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
    let payload: JWTPayload;
    try {
      // The overloads split on the key's kind; both go to the same verification.
      ({ payload } =
        typeof this.key === "function"
          ? await jwtVerify(token, this.key, this.options)
          : await jwtVerify(token, this.key, this.options));
    } catch {
      return undefined;
    }
    return toAuthInfo(token, payload);
  }
}

function toAuthInfo(token: string, claims: JWTPayload): AuthInfo {
  const info: AuthInfo = { token, scopes: scopesOf(claims), claims: { ...claims } };
  const clientId = stringOr(claims.client_id) ?? stringOr(claims.azp);
  if (clientId !== undefined) info.clientId = clientId;
  if (typeof claims.sub === "string") info.subject = claims.sub;
  if (typeof claims.exp === "number") info.expiresAt = claims.exp;
  return info;
}

/** `scope` (space-separated, RFC 8693/9068) or `scp` (an array, or a string, as some providers send). */
function scopesOf(claims: JWTPayload): string[] {
  const raw = claims.scope ?? claims.scp;
  if (typeof raw === "string") return raw.split(/\s+/).filter((scope) => scope.length > 0);
  if (Array.isArray(raw)) return raw.filter((scope): scope is string => typeof scope === "string");
  return [];
}

function stringOr(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function toPublicKey(input: PublicKeyInput): KeyObject | CryptoKey {
  if (typeof input === "string") return createPublicKey(input);
  if (input instanceof KeyObject) {
    if (input.type === "secret") throw new TypeError("JWTVerifier needs a public key, not a secret");
    return input.type === "private" ? createPublicKey(input) : input;
  }
  if (isCryptoKey(input)) {
    if (input.type !== "public") throw new TypeError("JWTVerifier needs a public CryptoKey");
    return input;
  }
  if (input.kty === "oct") throw new TypeError("JWTVerifier needs a public key, not a secret");
  // A private JWK yields its public half: the verifier never holds signing material.
  return createPublicKey({ key: input, format: "jwk" });
}

function isCryptoKey(input: JWK | CryptoKey): input is CryptoKey {
  return typeof CryptoKey !== "undefined" && input instanceof CryptoKey;
}

/**
 * jose's remote JWKS (cached; an unknown `kid` refetches at most once per cooldown, concurrent
 * fetches shared) plus a floor on retries while the JWKS is down, so a flood of tokens cannot turn
 * into a flood of fetches, and one warning per cooldown instead of one per request.
 */
function remoteKeys(url: URL, cooldownMs: number): KeyResolver {
  const jwks = createRemoteJWKSet(url, { cooldownDuration: cooldownMs });
  let failedAt = Number.NEGATIVE_INFINITY;
  return async (header, token) => {
    if (Date.now() - failedAt < cooldownMs) throw new Error("JWKS unavailable");
    try {
      return await jwks(header, token);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === "string" && TOKEN_KEY_ERRORS.has(code)) throw error;
      failedAt = Date.now();
      // The URL and the cause, never the token.
      console.warn(
        `JWTVerifier: the JWKS at ${url.href} could not be fetched (${(error as Error).message}); ` +
          `tokens are refused until the next try in ${cooldownMs} ms`,
      );
      throw error;
    }
  };
}
