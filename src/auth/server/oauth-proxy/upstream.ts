/**
 * The proxy as a client of the upstream provider: the one preregistered app, its own callback and
 * PKCE. Token answers may be JSON or, as GitHub answers without `Accept: application/json`, a form.
 */
import type { UpstreamTokens } from "./options.js";

export interface UpstreamConfig {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  authMethod: "client_secret_basic" | "client_secret_post";
  callbackUrl: string;
  extraAuthorizeParams: Record<string, string>;
  fetch: typeof fetch;
}

/** An upstream failure; its message is safe to show (never a token or secret). */
export class UpstreamError extends Error {
  override name = "UpstreamError";
  constructor(
    message: string,
    /** The OAuth error code the upstream sent, when it sent one. */
    readonly error?: string,
  ) {
    super(message);
  }
}

const UPSTREAM_TIMEOUT_MS = 15_000;
const MAX_UPSTREAM_BODY = 64 * 1024;

export class Upstream {
  constructor(private readonly config: UpstreamConfig) {}

  /** Where to send the browser: the upstream authorization URL for this transaction. */
  authorizationUrl(state: string, challenge: string, scopes: readonly string[]): string {
    const url = new URL(this.config.authorizationEndpoint);
    const params: Record<string, string> = {
      ...this.config.extraAuthorizeParams,
      response_type: "code",
      client_id: this.config.clientId,
      redirect_uri: this.config.callbackUrl,
      state,
      code_challenge: challenge,
      code_challenge_method: "S256",
    };
    if (scopes.length > 0) params.scope = scopes.join(" ");
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url.href;
  }

  exchangeCode(code: string, verifier: string): Promise<UpstreamTokens> {
    return this.token({
      grant_type: "authorization_code",
      code,
      redirect_uri: this.config.callbackUrl,
      code_verifier: verifier,
    });
  }

  refresh(refreshToken: string, scopes: readonly string[]): Promise<UpstreamTokens> {
    return this.token({
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      ...(scopes.length > 0 ? { scope: scopes.join(" ") } : {}),
    });
  }

  private async token(params: Record<string, string>): Promise<UpstreamTokens> {
    const { config } = this;
    const body = new URLSearchParams(params);
    const headers: Record<string, string> = {
      accept: "application/json",
      "content-type": "application/x-www-form-urlencoded",
    };
    if (config.authMethod === "client_secret_basic") {
      const pair = `${encodeURIComponent(config.clientId)}:${encodeURIComponent(config.clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(pair).toString("base64")}`;
    } else {
      body.set("client_id", config.clientId);
      body.set("client_secret", config.clientSecret);
    }
    let response: Response;
    try {
      response = await config.fetch(config.tokenEndpoint, {
        method: "POST",
        headers,
        body,
        redirect: "error",
        signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
      });
    } catch {
      throw new UpstreamError("The upstream token endpoint could not be reached");
    }
    const text = await response.text().catch(() => "");
    if (text.length > MAX_UPSTREAM_BODY) throw new UpstreamError("The upstream token answer is too large");
    const fields = parseTokenAnswer(text, response.headers.get("content-type") ?? "");
    const error = typeof fields.error === "string" ? fields.error : undefined;
    // GitHub answers 200 with an `error` field for a bad code.
    if (!response.ok || error)
      throw new UpstreamError(
        `The upstream token endpoint refused the request (${error ?? `HTTP ${response.status}`})`,
        error,
      );
    const accessToken = fields.access_token;
    if (typeof accessToken !== "string" || accessToken.length === 0)
      throw new UpstreamError("The upstream token answer has no access_token");
    const expiresIn = Number(fields.expires_in);
    return {
      accessToken,
      ...(typeof fields.refresh_token === "string" && fields.refresh_token
        ? { refreshToken: fields.refresh_token }
        : {}),
      ...(Number.isFinite(expiresIn) && expiresIn > 0
        ? { expiresAt: Math.floor(Date.now() / 1000) + Math.floor(expiresIn) }
        : {}),
      ...(typeof fields.scope === "string" ? { scope: fields.scope } : {}),
    };
  }
}

function parseTokenAnswer(text: string, contentType: string): Record<string, unknown> {
  if (contentType.includes("application/x-www-form-urlencoded"))
    return Object.fromEntries(new URLSearchParams(text));
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
