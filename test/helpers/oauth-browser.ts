/**
 * The OAuth proxy tests' user agent and MCP client side, with plain fetch: a browser that keeps
 * cookies and follows no redirect by itself (each hop is checked), PKCE values, and the steps of a
 * login. The proxy's public base URL is a reverse proxy's (`https://mcp.example.com`): `toLocal`
 * plays that proxy, mapping it to the listening origin.
 */
import { createHash, randomBytes } from "node:crypto";

export const PUBLIC = "https://mcp.example.com";
/** The MCP client's redirect URI (a native app's loopback listener; nothing needs to listen). */
export const CLIENT_REDIRECT = "http://127.0.0.1:33418/callback";

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** A browser: a cookie jar per host, manual redirects, public URLs mapped to the local server. */
export class Browser {
  private readonly jar = new Map<string, string>();

  constructor(private readonly local: () => string) {}

  toLocal(url: string): string {
    return url.startsWith(PUBLIC) ? this.local() + url.slice(PUBLIC.length) : url;
  }

  cookieHeader(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  /** Forgets every cookie (another browser). */
  clear(): void {
    this.jar.clear();
  }

  async go(url: string, init: RequestInit = {}): Promise<Response> {
    const target = this.toLocal(url);
    const ours = target.startsWith(this.local());
    const headers = new Headers(init.headers);
    if (ours && this.jar.size > 0) headers.set("cookie", this.cookieHeader());
    const response = await fetch(target, { ...init, headers, redirect: "manual" });
    if (ours)
      for (const line of response.headers.getSetCookie()) {
        const [pair = "", ...attributes] = line.split(";");
        const at = pair.indexOf("=");
        const name = pair.slice(0, at).trim();
        if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.jar.delete(name);
        else this.jar.set(name, pair.slice(at + 1).trim());
      }
    return response;
  }

  /** Submits a form (application/x-www-form-urlencoded). */
  post(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return this.go(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(fields),
    });
  }
}

/** The hidden fields of the consent page's form. */
export function consentFields(html: string): { txn: string; csrf: string } {
  const txn = /name="txn" value="([^"]+)"/.exec(html)?.[1];
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!txn || !csrf) throw new Error(`no consent form in: ${html.slice(0, 300)}`);
  return { txn, csrf };
}

export function location(response: Response): URL {
  const value = response.headers.get("location");
  if (!value) throw new Error(`expected a redirect, got ${response.status}`);
  return new URL(value);
}
