/**
 * One request to an OAuth token endpoint (RFC 6749 §3.2), for every flow (the authorization code
 * and refresh of `OAuth`, the token grants): the grant's parameters, the client's authentication
 * (`client_secret_basic`, `client_secret_post`, `private_key_jwt` or `none`), and the answer
 * checked before anything uses it. Errors name the endpoint and the server's OAuth error code,
 * never a secret, an assertion, a code or a token.
 */
import { type ClientAssertionKey, signClientAssertion } from "./client-assertion.js";
import { OAuthError, type OAuthStep } from "./errors.js";
import { base64Utf8, type HttpContext, networkReason, oauthErrorOf, peerText, requestJson } from "./http.js";

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

/** A successful token response (RFC 6749 §5.1), checked. */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  scope?: string;
  refresh_token?: string;
  [field: string]: unknown;
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
      return { headers: { Authorization: `Basic ${base64Utf8(credentials)}` }, params: {} };
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
  /** The step named in errors (default `token`). */
  step?: OAuthStep;
  /** More request headers (a `DPoP` proof). */
  headers?: Record<string, string>;
}

/**
 * POSTs a grant to `tokenEndpoint` with the client's authentication and returns the checked answer.
 * Rejects with an {@link OAuthError} when the endpoint cannot be reached, refuses (with its `error`
 * code, status and `DPoP-Nonce`), or answers what a client must not use.
 */
export async function requestToken(
  http: HttpContext,
  tokenEndpoint: string,
  grant: Record<string, string>,
  auth: ClientAuthentication | undefined,
  options: TokenRequestOptions = {},
): Promise<TokenResponse> {
  const step = options.step ?? "token";
  const parts = auth ? await clientAuthenticationParts(auth, tokenEndpoint) : { headers: {}, params: {} };
  const form = new URLSearchParams({ ...grant, ...parts.params });
  let answer: Awaited<ReturnType<typeof requestJson>>;
  try {
    answer = await requestJson(http, tokenEndpoint, {
      method: "POST",
      headers: {
        ...options.headers,
        ...parts.headers,
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: form.toString(),
    });
  } catch (error) {
    // fetch's own message never holds the body; the cause stays for debugging.
    throw new OAuthError(step, `cannot reach the token endpoint ${tokenEndpoint}: ${networkReason(error)}`, {
      cause: error,
    });
  }
  const fail = (what: string) =>
    new OAuthError(step, `the token endpoint ${tokenEndpoint} ${what}`, { status: answer.status });
  if (!answer.ok) {
    const { error } = oauthErrorOf(answer.body);
    const sent = [auth?.clientSecret, ...SECRET_PARAMS.map((name) => form.get(name) ?? undefined)];
    const raw = answer.body?.error_description;
    // Redacted before it is shortened, so no part of a secret survives the cut.
    const description = typeof raw === "string" && raw ? peerText(redact(raw, sent)) : undefined;
    const nonce = answer.headers.get("dpop-nonce");
    throw new OAuthError(
      step,
      `the token endpoint ${tokenEndpoint} refused the ${peerText(grant.grant_type ?? "token", 80)} request: HTTP ${answer.status}${error ? ` ${error}` : ""}${description ? `: ${description}` : ""}`,
      {
        oauthError: error,
        status: answer.status,
        ...(nonce && nonce.length <= 1024 ? { dpopNonce: nonce } : {}),
      },
    );
  }
  const fields = answer.body ?? {};
  if (typeof fields.access_token !== "string" || fields.access_token.length === 0)
    throw fail("returned no access_token");
  // RFC 6750 §2.1: what a Bearer header can carry; anything else could smuggle header text.
  if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(fields.access_token)) throw fail("returned a malformed access_token");
  if (typeof fields.token_type !== "string" || fields.token_type.length === 0)
    throw fail("returned no token_type");
  const expiresIn = typeof fields.expires_in === "string" ? Number(fields.expires_in) : fields.expires_in;
  if (
    expiresIn !== undefined &&
    (typeof expiresIn !== "number" || !Number.isFinite(expiresIn) || expiresIn < 0)
  )
    throw fail("returned a bad expires_in");
  for (const field of ["scope", "refresh_token"] as const) {
    if (fields[field] !== undefined && typeof fields[field] !== "string")
      throw fail(`returned a bad ${field}`);
  }
  return { ...fields, ...(expiresIn === undefined ? {} : { expires_in: expiresIn }) } as TokenResponse;
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
