/**
 * The browser side of a login without a `redirectHandler`: a one-shot HTTP listener on 127.0.0.1
 * that receives the authorization response (RFC 8252 §7.3 loopback redirect), and opening the
 * system browser with no dependency (xdg-open, open, rundll32).
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { OAuthError } from "./errors.js";

/** A listener waiting for one authorization response. */
export interface CallbackListener {
  /** `http://127.0.0.1:<port><path>`: the redirect URI to register and send. */
  readonly redirectUri: string;
  readonly port: number;
  /**
   * Resolves with the callback URL whose `state` is `state` (a callback with another state is
   * answered 400 and waiting goes on); rejects after `timeoutMs`.
   */
  wait(state: string, timeoutMs: number): Promise<URL>;
  close(): Promise<void>;
}

export interface CallbackListenerOptions {
  /** 0 (the default) for an ephemeral port. */
  port?: number;
  /** Default `/callback`. */
  path?: string;
}

const PAGE_STYLE = "font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;text-align:center";

function page(response: ServerResponse, status: number, title: string, text: string): void {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body style="${PAGE_STYLE}"><h1>${title}</h1><p>${text}</p></body></html>`;
  response.writeHead(status, {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Referrer-Policy": "no-referrer",
  });
  response.end(html);
}

/** Starts listening on 127.0.0.1; the caller closes it when the flow ends, whatever its outcome. */
export async function startCallbackListener(
  options: CallbackListenerOptions = {},
): Promise<CallbackListener> {
  const { createServer } = await import("node:http");
  const path = options.path ?? "/callback";
  let pending: { state: string; resolve: (url: URL) => void } | undefined;
  let base = "";

  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(request.url ?? "/", base);
    } catch {
      page(response, 400, "Bad request", "This address is not a sign-in response.");
      return;
    }
    if (url.pathname !== path) {
      page(response, 404, "Not found", "This address is not a sign-in response.");
      return;
    }
    if (request.method !== "GET") {
      response.writeHead(405, { Allow: "GET" }).end();
      return;
    }
    if (!pending || url.searchParams.get("state") !== pending.state) {
      page(
        response,
        400,
        "Sign-in response refused",
        "It does not belong to the sign-in this application started.",
      );
      return;
    }
    const done = pending;
    pending = undefined;
    if (url.searchParams.has("error")) {
      page(response, 200, "Sign-in failed", "Access was not granted. You can close this window.");
    } else {
      page(response, 200, "Signed in", "You can close this window and return to the application.");
    }
    done.resolve(url);
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  base = `http://127.0.0.1:${port}`;

  return {
    redirectUri: `${base}${path}`,
    port,
    wait(state, timeoutMs) {
      return new Promise<URL>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending = undefined;
          reject(
            new OAuthError(
              "callback",
              `no authorization response reached ${base}${path} within ${Math.round(timeoutMs / 1000)} s`,
            ),
          );
        }, timeoutMs);
        pending = {
          state,
          resolve: (url) => {
            clearTimeout(timer);
            resolve(url);
          },
        };
      });
    },
    close() {
      pending = undefined;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/**
 * Opens `url` in the system browser (xdg-open on Linux and the BSDs, open on macOS, rundll32 on
 * Windows; no shell). When that fails, prints the URL to stderr for the user to open.
 */
export async function openSystemBrowser(url: string): Promise<void> {
  if (!/^https?:\/\//i.test(url)) throw new TypeError("only http(s) URLs are opened in a browser");
  const { spawn } = await import("node:child_process");
  const [command, args] =
    process.platform === "darwin"
      ? ["open", [url]]
      : process.platform === "win32"
        ? ["rundll32", ["url.dll,FileProtocolHandler", url]]
        : ["xdg-open", [url]];
  const tell = () => process.stderr.write(`Open this URL in a browser to sign in:\n${url}\n`);
  await new Promise<void>((resolve) => {
    const child = spawn(command, args as string[], { stdio: "ignore", detached: true });
    child.once("error", () => {
      tell();
      resolve();
    });
    child.once("spawn", () => {
      child.unref();
      resolve();
    });
    child.once("exit", (code) => {
      if (code !== 0) tell();
    });
  });
}
