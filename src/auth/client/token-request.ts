/**
 * One request to an OAuth token endpoint (RFC 6749 §3.2): the grant's parameters, the client's
 * authentication (`client_secret_basic`, `client_secret_post`, `private_key_jwt` or `none`), and
 * the answer checked before anything uses it. Errors name the endpoint and the server's OAuth error
 * code, never a secret, an assertion or a token.
 */
import { ClientError } from "../../errors.js";
import { type ClientAssertionKey, signClientAssertion } from "./client-assertion.js";
import { base64Utf8, readLimited } from "./read-limited.js";

/** How a client authenticates at the token endpoint (RFC 7591 `token_endpoint_auth_method`). */
export type TokenEndpointAuthMethod =
  | "client_secret_basic"
  | "client_secret_post"
  | "private_key_jwt"
  | "none";

/** The client's identity at the token endpoint. */
export interface ClientAuthentication {
  clientId: string;
  method: TokenEndpointAuthMethod;
  clientSecret?: string;
  /** For `private_key_jwt`: the signing key and how to use it. */
  assertionKey?: ClientAssertionKey;
  /** For `private_key_jwt`: the assertion's `aud` (the issuer, else the token endpoint URL). */
  audience?: string;
}

/** A successful token response (RFC 6749 §5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  scope?: string;
  refresh_token?: string;
  [field: string]: unknown;
}

/** The token endpoint refused or failed: `error` is its OAuth error code when it sent one. */
export class OAuthError extends ClientError {
  override name = "OAuthError";
  /** The OAuth error code (`invalid_client`, `invalid_grant`, ...), or undefined. */
  readonly error: string | undefined;
  readonly status: number | undefined;
  /** The `DPoP-Nonce` the endpoint sent with its refusal (RFC 9449 §8), if any. */
  readonly dpopNonce: string | undefined;

  constructor(
    message: string,
    details: { error?: string; status?: number; dpopNonce?: string } = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.error = details.error;
    this.status = details.status;
    this.dpopNonce = details.dpopNonce;
  }
}

/** Request parameters that carry a credential (never repeated in an error message). */
const SECRET_PARAMS = [
  "client_secret",
  "client_assertion",
  "assertion",
  "subject_token",
  "actor_token",
  "refresh_token",
  "code",
  "code_verifier",
];
const MAX_RESPONSE_BYTES = 64 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;
/** Characters of a server's `error_description` kept in a message (it is the server's text, not ours). */
const MAX_DESCRIPTION = 200;

/** `application/x-www-form-urlencoded` encoding of one value (RFC 6749 §2.3.1 asks it for Basic too). */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** The headers and body parameters that authenticate the client. */
export async function clientAuthenticationParts(
  auth: ClientAuthentication,
  tokenEndpoint: string,
): Promise<{ headers: Record<string, string>; params: Record<string, string> }> {
  switch (auth.method) {
    case "client_secret_basic": {
      const credentials = `${formEncode(auth.clientId)}:${formEncode(auth.clientSecret ?? "")}`;
      return {
        headers: { authorization: `Basic ${base64Utf8(credentials)}` },
        params: {},
      };
    }
    case "client_secret_post":
      return { headers: {}, params: { client_id: auth.clientId, client_secret: auth.clientSecret ?? "" } };
    case "private_key_jwt": {
      if (!auth.assertionKey) throw new TypeError("private_key_jwt needs a private key");
      const assertion = await signClientAssertion(auth.assertionKey, {
        clientId: auth.clientId,
        audience: auth.audience ?? tokenEndpoint,
      });
      return {
        headers: {},
        params: {
          client_id: auth.clientId,
          client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
          client_assertion: assertion,
        },
      };
    }
    case "none":
      return { headers: {}, params: { client_id: auth.clientId } };
  }
}

/** Options of {@link requestToken}. */
export interface TokenRequestOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** More request headers (a `DPoP` proof). */
  headers?: Record<string, string>;
}

/**
 * POSTs a grant to `tokenEndpoint` with the client's authentication and returns the checked answer.
 * Throws {@link OAuthError} when the endpoint refuses (with its `error` code) or answers nonsense.
 */
export async function requestToken(
  tokenEndpoint: string,
  grant: Record<string, string>,
  auth: ClientAuthentication | undefined,
  options: TokenRequestOptions = {},
): Promise<TokenResponse> {
  const parts = auth ? await clientAuthenticationParts(auth, tokenEndpoint) : { headers: {}, params: {} };
  const body = new URLSearchParams({ ...grant, ...parts.params });
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(tokenEndpoint, {
      method: "POST",
      headers: {
        ...options.headers,
        ...parts.headers,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: body.toString(),
      redirect: "error",
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (error) {
    // fetch's own message never holds the body; keep the cause for debugging.
    throw new OAuthError(
      `Cannot reach the token endpoint ${tokenEndpoint}: ${(error as Error).message}`,
      {},
      {
        cause: error,
      },
    );
  }
  const text = await readLimited(
    response,
    MAX_RESPONSE_BYTES,
    () =>
      new OAuthError(
        `The token endpoint ${tokenEndpoint} answered with more than ${MAX_RESPONSE_BYTES} bytes`,
      ),
  );
  let answer: unknown;
  try {
    answer = text ? JSON.parse(text) : undefined;
  } catch {
    answer = undefined;
  }
  const fields = typeof answer === "object" && answer !== null ? (answer as Record<string, unknown>) : {};
  if (!response.ok) {
    const error = typeof fields.error === "string" ? fields.error.slice(0, 100) : undefined;
    const description =
      typeof fields.error_description === "string"
        ? `: ${redact(fields.error_description.slice(0, MAX_DESCRIPTION), [auth?.clientSecret, ...SECRET_PARAMS.map((name) => body.get(name) ?? undefined)])}`
        : "";
    throw new OAuthError(
      `The token endpoint ${tokenEndpoint} refused the ${grant.grant_type ?? "token"} request (HTTP ${response.status}${error ? `, ${error}` : ""}${description})`,
      {
        ...(error === undefined ? {} : { error }),
        status: response.status,
        ...nonceOf(response),
      },
    );
  }
  if (typeof fields.access_token !== "string" || fields.access_token.length === 0)
    throw new OAuthError(`The token endpoint ${tokenEndpoint} answered without an access_token`, {
      status: response.status,
    });
  if (typeof fields.token_type !== "string")
    throw new OAuthError(`The token endpoint ${tokenEndpoint} answered without a token_type`, {
      status: response.status,
    });
  if (
    fields.expires_in !== undefined &&
    (typeof fields.expires_in !== "number" || !Number.isFinite(fields.expires_in) || fields.expires_in < 0)
  )
    throw new OAuthError(`The token endpoint ${tokenEndpoint} answered with a bad expires_in`, {
      status: response.status,
    });
  // RFC 6750 §2.1: what a Bearer header can carry; anything else could smuggle header text.
  if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(fields.access_token))
    throw new OAuthError(`The token endpoint ${tokenEndpoint} answered with a malformed access_token`, {
      status: response.status,
    });
  return fields as TokenResponse;
}

/**
 * The server's text with every credential we sent replaced: a hostile or careless server echoing a
 * secret or an assertion must not put it into an error message (which ends up in logs).
 */
function redact(text: string, sent: (string | undefined)[]): string {
  let out = text;
  for (const value of sent) {
    if (value && value.length >= 8) out = out.split(value).join("[redacted]");
  }
  return out;
}

function nonceOf(response: Response): { dpopNonce?: string } {
  const nonce = response.headers.get("dpop-nonce");
  return nonce && nonce.length <= 1024 ? { dpopNonce: nonce } : {};
}
