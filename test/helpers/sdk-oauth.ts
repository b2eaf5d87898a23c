/**
 * An `OAuthClientProvider` for the official SDK clients (v1 `@modelcontextprotocol/sdk` and v2
 * `@modelcontextprotocol/client` take the same shape) whose user is `playUser` on the test OpenID
 * provider: registrations, tokens and the PKCE verifier are kept in memory, and sending the user to
 * the authorization URL plays the login there and keeps the callback URL for `finishAuth`.
 */
import { randomUUID } from "node:crypto";
import type { OAuthClientProvider, OAuthDiscoveryState } from "@modelcontextprotocol/sdk/client/auth.js";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";
import { TEST_REDIRECT_URI } from "./oidc-login.js";
import { type PlayUserOptions, playUser } from "./oidc-user.js";

/** Where the provider sends the user back; nothing listens there (playUser stops before it). */
export const SDK_REDIRECT_URL = TEST_REDIRECT_URI;

/**
 * An in-memory `OAuthClientProvider` (a public client, authorization code + refresh token) whose
 * `redirectToAuthorization` plays the user; the app then reads `callback()` and calls `finishAuth`.
 *
 * @example
 * ```ts
 * const provider = new PlayedUserOAuthProvider({ user: "ada" });
 * const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
 * await client.connect(transport).catch(async () => transport.finishAuth(provider.callback().get("code") ?? ""));
 * ```
 */
export class PlayedUserOAuthProvider implements OAuthClientProvider {
  /** Every token set the SDK saved, in order (the last is current). */
  readonly savedTokens: OAuthTokens[] = [];
  /** The authorization URLs the SDK sent the user to, in order. */
  readonly authorizationUrls: string[] = [];
  /** How many times the SDK sent the user to the authorization server. */
  authorizations = 0;
  /** The URL the user was last redirected to (the callback, with `code` or `error`). */
  callbackUrl: string | undefined;
  private client: OAuthClientInformationMixed | undefined;
  private verifier: string | undefined;
  private lastState: string | undefined;
  private discovery: OAuthDiscoveryState | undefined;

  private readonly users: PlayUserOptions[];

  /**
   * `user`: how the user answers; a list answers successive authorizations in turn (the last one
   * repeats), e.g. fewer scopes the first time and all of them at the step-up.
   */
  constructor(user: PlayUserOptions | PlayUserOptions[] = {}) {
    this.users = Array.isArray(user) ? user : [user];
  }

  get redirectUrl(): string {
    return SDK_REDIRECT_URL;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "official SDK client",
      redirect_uris: [SDK_REDIRECT_URL],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }

  state(): string {
    this.lastState = randomUUID();
    return this.lastState;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.client;
  }

  saveClientInformation(information: OAuthClientInformationMixed): void {
    this.client = information;
  }

  tokens(): OAuthTokens | undefined {
    return this.savedTokens.at(-1);
  }

  saveTokens(tokens: OAuthTokens): void {
    this.savedTokens.push(tokens);
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    const user = this.users[Math.min(this.authorizations, this.users.length - 1)];
    this.authorizations++;
    this.authorizationUrls.push(authorizationUrl.href);
    this.callbackUrl = await playUser(authorizationUrl, user);
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.verifier = codeVerifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error("no PKCE verifier was saved");
    return this.verifier;
  }

  // Kept like the verifier: v2 checks at the callback that the code comes from the server it
  // discovered (SEP-2352), and warns when it cannot.
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state;
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery;
  }

  invalidateCredentials(scope: "all" | "client" | "tokens" | "verifier" | "discovery"): void {
    if (scope === "all" || scope === "client") this.client = undefined;
    if (scope === "all" || scope === "tokens") this.savedTokens.length = 0;
    if (scope === "all" || scope === "verifier") this.verifier = undefined;
    if (scope === "all" || scope === "discovery") this.discovery = undefined;
  }

  /** The callback's parameters, once its `state` is checked (the SDKs leave that to the app). */
  callback(): URLSearchParams {
    if (!this.callbackUrl) throw new Error("the user was never sent to the authorization server");
    const params = new URL(this.callbackUrl).searchParams;
    if (params.get("state") !== this.lastState) throw new Error("the callback's state is not ours");
    return params;
  }

  /** The registered client id. */
  get clientId(): string | undefined {
    return this.client?.client_id;
  }
}
