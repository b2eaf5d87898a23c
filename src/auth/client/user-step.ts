/**
 * The step of a login that involves the user: where the authorization server sends the browser
 * back (a loopback listener, or the app's own redirect URI with a `redirectHandler`), and getting
 * the callback URL (the app's handler, or the browser opened on the authorization URL).
 */
import { OAuthError } from "./errors.js";
import { type CallbackListener, openSystemBrowser, startCallbackListener } from "./loopback.js";
import type { OAuthOptions } from "./oauth.js";
import type { StoredClient } from "./storage.js";

/** Starts the loopback listener (no `redirectHandler`), on the stored registration's port when free. */
export async function startListener(
  options: OAuthOptions,
  stored: StoredClient | undefined,
): Promise<CallbackListener | undefined> {
  if (options.redirectHandler) return undefined;
  const storedPort = (() => {
    const uri = stored?.redirectUris?.[0];
    if (!uri) return undefined;
    const port = Number(new URL(uri).port);
    return port > 0 ? port : undefined;
  })();
  const port = options.callbackPort ?? storedPort ?? 0;
  try {
    return await startCallbackListener({ port });
  } catch (error) {
    // The stored registration's port is taken: a new port (and so a new registration) will do.
    if (options.callbackPort === undefined && port !== 0) return startCallbackListener({ port: 0 });
    throw new OAuthError("callback", `cannot listen on 127.0.0.1:${port}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** The redirect URI sent with a `redirectHandler`. */
export function handlerRedirectUri(options: OAuthOptions): string {
  if (options.redirectUri) return options.redirectUri;
  const port = options.callbackPort;
  return port ? `http://127.0.0.1:${port}/callback` : "http://127.0.0.1/callback";
}

/** The callback URL: from the redirect handler, or from the browser through the listener. */
export async function receiveCallback(
  options: OAuthOptions,
  authorizationUrl: string,
  state: string,
  listener: CallbackListener | undefined,
): Promise<URL> {
  const handler = options.redirectHandler;
  if (handler) {
    let answer: string | URL;
    try {
      answer = await handler(authorizationUrl);
    } catch (error) {
      throw new OAuthError("authorization", `the redirectHandler failed: ${(error as Error)?.message}`, {
        cause: error,
      });
    }
    try {
      return new URL(String(answer));
    } catch {
      throw new OAuthError("callback", "the redirectHandler did not resolve to a URL");
    }
  }
  const waiting = listener!.wait(state, options.callbackTimeout ?? 300_000);
  try {
    await (options.openBrowser ?? openSystemBrowser)(authorizationUrl);
  } catch (error) {
    waiting.catch(() => {});
    throw new OAuthError("authorization", `cannot open the browser: ${(error as Error)?.message}`, {
      cause: error,
    });
  }
  return waiting;
}
