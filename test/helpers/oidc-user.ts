/**
 * `playUser`: a person at a browser going through the test OpenID provider's authorization pages
 * (test/helpers/oidc-interactions.ts) over real HTTP: it follows redirects itself, keeps cookies,
 * signs in, consents (to all or some scopes) or denies, and stops at the client's redirect URI.
 */

/** One cookie as a browser keeps it (host-only: the test servers all live on 127.0.0.1). */
interface Cookie {
  name: string;
  value: string;
  path: string;
  origin: string;
}

/**
 * The cookies of one browser profile. Pass the same jar to several `playUser` calls to keep the
 * provider's session (a second authorization then skips the sign-in page, and the consent page
 * when nothing new is asked).
 */
export class CookieJar {
  private readonly cookies = new Map<string, Cookie>();

  /** The `Cookie` header for a request to `url`. */
  header(url: URL): string {
    return [...this.cookies.values()]
      .filter((c) => c.origin === url.origin && pathMatches(url.pathname, c.path))
      .map((c) => `${c.name}=${c.value}`)
      .join("; ");
  }

  /** Keeps the `Set-Cookie` headers of a response from `url` (an expired one deletes). */
  store(url: URL, response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";").map((part) => part.trim());
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = "/";
      let expired = value === "";
      for (const attribute of attributes) {
        const [key = "", val = ""] = attribute.split("=");
        if (key.toLowerCase() === "path" && val.startsWith("/")) path = val;
        if (key.toLowerCase() === "expires" && Date.parse(val) <= Date.now()) expired = true;
        if (key.toLowerCase() === "max-age" && Number(val) <= 0) expired = true;
      }
      const key = `${url.origin} ${path} ${name}`;
      if (expired) this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path, origin: url.origin });
    }
  }
}

/** RFC 6265 §5.1.4 path-match. */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/";
}

export interface PlayUserOptions {
  /** Who signs in (any name is accepted; it becomes the token's `sub`). Default `"alice"`. */
  user?: string;
  /** Allow (default) or deny on the consent page; denying sends the client `error=access_denied`. */
  approve?: boolean;
  /**
   * Of the resource scopes the client asked for, the ones the user ticks (default all): the token
   * carries only these, which is how a test gets a token with fewer scopes (step-up).
   */
  scopes?: string[];
  /** The browser's cookies; default a fresh jar (a browser that never saw the provider). */
  jar?: CookieJar;
}

/** A form the user fills in: where it posts and what it offers. */
interface Form {
  action: URL;
  kind: "login" | "consent";
  scopes: string[];
}

function readForm(html: string, base: URL): Form | undefined {
  const action = /<form method="post" action="([^"]+)">/.exec(html)?.[1];
  if (!action) return undefined;
  const kind = html.includes('name="user"')
    ? "login"
    : html.includes('name="decision"')
      ? "consent"
      : undefined;
  if (!kind) return undefined;
  const scopes = [...html.matchAll(/name="scope" value="([^"]*)"/g)].map((m) => m[1] as string);
  return { action: new URL(action.replaceAll("&amp;", "&"), base), kind, scopes };
}

/** Same scheme, host, port and path: the browser has come back to the client. */
function isRedirectUri(url: URL, redirectUri: URL): boolean {
  return url.origin === redirectUri.origin && url.pathname === redirectUri.pathname;
}

/** Most requests one authorization may take (redirects and pages) before it is called a loop. */
const MAX_STEPS = 20;

/**
 * Plays the user for an authorization request: opens `authorizationUrl` on the test provider, signs
 * in, consents or denies, and resolves to the URL the provider finally redirects to (the client's
 * `redirect_uri` with `code`, `state` and `iss`, or `error`). Nothing listens at the redirect URI:
 * the browser stops before requesting it. A page it does not expect rejects with its status.
 *
 * @example
 * ```ts
 * redirectToAuthorization: async (url) => { callbackUrl = await playUser(url.href, { user: "bob" }) }
 * ```
 */
export async function playUser(
  authorizationUrl: string | URL,
  options: PlayUserOptions = {},
): Promise<string> {
  const { user = "alice", approve = true, jar = new CookieJar() } = options;
  let url = new URL(authorizationUrl);
  const redirect = url.searchParams.get("redirect_uri");
  if (!redirect) throw new Error("the authorization URL has no redirect_uri");
  const redirectUri = new URL(redirect);
  let init: { method: "GET" | "POST"; body?: string } = { method: "GET" };
  for (let step = 0; step < MAX_STEPS; step++) {
    if (isRedirectUri(url, redirectUri)) return url.href;
    const headers: Record<string, string> = {};
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    if (init.body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    jar.store(url, response);
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = new URL(location, url);
      init = { method: "GET" };
      continue;
    }
    const html = await response.text();
    const form = response.status === 200 ? readForm(html, url) : undefined;
    if (!form)
      throw new Error(`the provider answered ${response.status} at ${url.pathname}: ${html.slice(0, 500)}`);
    const body = new URLSearchParams();
    if (form.kind === "login") body.set("user", user);
    else {
      body.set("decision", approve ? "approve" : "deny");
      for (const scope of form.scopes)
        if (!options.scopes || options.scopes.includes(scope)) body.append("scope", scope);
    }
    url = form.action;
    init = { method: "POST", body: body.toString() };
  }
  throw new Error(`no redirect to ${redirectUri.href} after ${MAX_STEPS} steps`);
}
