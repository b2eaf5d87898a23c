/** The error every client auth flow rejects with, naming the step that failed. */
import { ClientError } from "../../errors.js";

/** The steps of a flow, as named in {@link OAuthError.step}. */
export type OAuthStep =
  | "discovery"
  | "registration"
  | "authorization"
  | "callback"
  | "token"
  | "refresh"
  | "storage";

/** What an {@link OAuthError} carries besides its message. */
export interface OAuthErrorOptions extends ErrorOptions {
  /** The OAuth `error` code the peer sent. */
  oauthError?: string | undefined;
  /** The HTTP status of the peer's refusal. */
  status?: number | undefined;
  /** The `DPoP-Nonce` the peer sent with its refusal (RFC 9449 §8). */
  dpopNonce?: string | undefined;
}

/**
 * A client auth flow failed: metadata could not be discovered or was refused, registration failed,
 * the user or the authorization server denied access, or the token endpoint refused a grant.
 * The message says which step failed and why; it never holds a token, a code or a secret.
 */
export class OAuthError extends ClientError {
  override name = "OAuthError";
  /** The step that failed. */
  readonly step: OAuthStep;
  /** The OAuth `error` code the peer sent (e.g. `access_denied`, `invalid_grant`), when it sent one. */
  readonly oauthError: string | undefined;
  /** The HTTP status the peer refused with (a token endpoint's 400 or 401), when there was one. */
  readonly status: number | undefined;
  /** The `DPoP-Nonce` the token endpoint sent with its refusal (RFC 9449 §8), if any. */
  readonly dpopNonce: string | undefined;

  constructor(step: OAuthStep, message: string, options: OAuthErrorOptions = {}) {
    const { oauthError, status, dpopNonce, ...errorOptions } = options;
    super(`OAuth ${step} failed: ${message}`, errorOptions);
    this.step = step;
    this.oauthError = oauthError;
    this.status = status;
    this.dpopNonce = dpopNonce;
  }
}
