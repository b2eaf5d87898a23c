/**
 * `CrossAppAccess`: enterprise-managed authorization (MCP's SEP-990 extension, "cross-app access"):
 * the user signed in to the enterprise identity provider once; the client exchanges that ID token
 * at the IdP for an identity assertion grant (ID-JAG, RFC 8693 token exchange), then exchanges the
 * ID-JAG at the MCP server's authorization server for an access token (RFC 7523 JWT-bearer grant).
 * No browser, no consent screen: the enterprise's IdP policy decides.
 *
 * @example
 * ```ts
 * import { CrossAppAccess } from "fastmcp-ts/client/auth";
 * const auth = new CrossAppAccess({
 *   idToken: () => session.idToken,                      // from the user's SSO login
 *   idpTokenEndpoint: "https://acme.okta.com/oauth2/v1/token",
 *   idpClientId: "agent-at-idp",
 *   clientId: "agent-at-mcp", clientSecret: process.env.MCP_SECRET!,
 *   scopes: ["mcp"],
 * });
 * ```
 */
import { ClientIdentity, type ClientIdentityOptions } from "./client-identity.js";
import { OAuthError } from "./errors.js";
import { peerText } from "./http.js";
import { type AssertionSource, checkAssertionSource, JWT_BEARER_GRANT, readAssertion } from "./jwt-bearer.js";
import { type GrantContext, TokenGrantAuth, type TokenGrantOptions } from "./token-grant.js";
import { type ClientAuthentication, requestToken } from "./token-request.js";

const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
const ID_JAG_TYPE = "urn:ietf:params:oauth:token-type:id-jag";

/** Options of {@link CrossAppAccess}: the client at the MCP server's authorization server, and at the IdP. */
export interface CrossAppAccessOptions extends TokenGrantOptions, ClientIdentityOptions {
  /** The user's ID token from the enterprise IdP, or a function returning a current one. */
  idToken: AssertionSource;
  /** The IdP's token endpoint, where the ID token is exchanged for an ID-JAG. */
  idpTokenEndpoint: string;
  /** The client's ID at the IdP (default: `clientId`). */
  idpClientId?: string;
  /** The client's secret at the IdP (`client_secret_basic`); without one it sends only its ID. */
  idpClientSecret?: string;
  /**
   * The MCP server's authorization server (its issuer): the ID-JAG's `audience`. Default: the
   * discovered issuer, else the origin of `tokenEndpoint`. With discovery it is also a pin.
   */
  authorizationServer?: string;
}

/** Gets access tokens by token exchange at the IdP, then the JWT-bearer grant at the authorization server. */
export class CrossAppAccess extends TokenGrantAuth {
  readonly #idToken: AssertionSource;
  readonly #identity: ClientIdentity;
  readonly #idpIdentity: ClientIdentity;
  readonly #idpTokenEndpoint: string;
  readonly #authorizationServer: string | undefined;

  constructor(options: CrossAppAccessOptions) {
    super(options);
    checkAssertionSource(options.idToken, "CrossAppAccess needs an idToken");
    let endpoint: URL;
    try {
      endpoint = new URL(options.idpTokenEndpoint);
    } catch {
      throw new TypeError("CrossAppAccess: idpTokenEndpoint is not a URL");
    }
    if (endpoint.protocol !== "https:" && endpoint.protocol !== "http:")
      throw new TypeError("CrossAppAccess: idpTokenEndpoint is not an http(s) URL");
    this.#idToken = options.idToken;
    this.#idpTokenEndpoint = endpoint.href;
    this.#authorizationServer = options.authorizationServer;
    this.#identity = new ClientIdentity(options, "CrossAppAccess", true);
    this.#idpIdentity = new ClientIdentity(
      {
        clientId: options.idpClientId ?? options.clientId,
        ...(options.idpClientSecret === undefined ? {} : { clientSecret: options.idpClientSecret }),
      },
      "CrossAppAccess (at the IdP)",
      false,
    );
  }

  protected async grant(context: GrantContext): Promise<Record<string, string>> {
    const audience =
      this.#authorizationServer ??
      context.discovered?.authorizationServer.issuer ??
      new URL(context.tokenEndpoint).origin;
    const exchange: Record<string, string> = {
      grant_type: TOKEN_EXCHANGE_GRANT,
      requested_token_type: ID_JAG_TYPE,
      subject_token: await readAssertion(this.#idToken, "The ID token"),
      subject_token_type: ID_TOKEN_TYPE,
      audience,
    };
    if (context.resource !== undefined) exchange.resource = context.resource;
    if (context.scopes.length > 0) exchange.scope = context.scopes.join(" ");
    const idpContext: GrantContext = {
      ...context,
      tokenEndpoint: this.#idpTokenEndpoint,
      discovered: undefined,
    };
    const answer = await requestToken(
      this.http(),
      this.#idpTokenEndpoint,
      exchange,
      this.#idpIdentity.authentication(idpContext),
    );
    if (answer.issued_token_type !== undefined && answer.issued_token_type !== ID_JAG_TYPE)
      throw new OAuthError(
        "token",
        `the IdP ${this.#idpTokenEndpoint} issued a ${peerText(answer.issued_token_type, 80)}, not an ID-JAG`,
      );
    return { grant_type: JWT_BEARER_GRANT, assertion: answer.access_token };
  }

  protected clientAuthentication(context: GrantContext): ClientAuthentication {
    return this.#identity.authentication(context);
  }

  /** Safe to log. */
  toJSON(): Record<string, unknown> {
    return { grant: "cross-app-access", idp: this.#idpTokenEndpoint, ...this.#identity.toJSON() };
  }
}
