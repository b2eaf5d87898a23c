/** The error an OAuth flow rejects with, naming the step that failed. */
import { ClientError } from "../../errors.js";

/** The steps of the authorization flow, as named in {@link OAuthError.step}. */
export type OAuthStep =
  | "discovery"
  | "registration"
  | "authorization"
  | "callback"
  | "token"
  | "refresh"
  | "storage";

/**
 * An OAuth flow failed: metadata could not be discovered or was refused, registration failed,
 * the user or the authorization server denied access, or the token endpoint refused the code.
 * The message says which step failed and why; it never holds a token, a code or a secret.
 */
export class OAuthError extends ClientError {
  override name = "OAuthError";
  /** The step that failed. */
  readonly step: OAuthStep;
  /** The OAuth `error` code the peer sent (e.g. `access_denied`, `invalid_grant`), when it sent one. */
  readonly oauthError: string | undefined;

  constructor(step: OAuthStep, message: string, options?: ErrorOptions & { oauthError?: string }) {
    super(`OAuth ${step} failed: ${message}`, options);
    this.step = step;
    this.oauthError = options?.oauthError;
  }
}
