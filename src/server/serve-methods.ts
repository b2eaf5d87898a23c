/**
 * The bodies of FastMCP's methods that only run once it serves: `run()` over HTTP, SSE or
 * WebSocket, `listen()`, the HTTP app behind `webHandler()` and `nodeListener()`, and joining the
 * other instances of a scaled-out server. Loaded with the serving code (serving.ts); the methods
 * in fastmcp.ts start that load and forward here.
 */
import type { AuthProvider } from "../auth/server/core.js";
import type { ScaleOut } from "../stores/scale-out.js";
import type { Store } from "../stores/store.js";
import type { HttpApp, HttpAppOptions, ListeningServer, ListenOptions } from "../transports/http/app.js";
import type { RunHttpOptions } from "../transports/http/run.js";
import type { FastMCP, RunOptions } from "./fastmcp.js";
import type { ServerKernel } from "./kernel.js";
import { httpRunSettings } from "./run-settings.js";

/** @internal A server's part in a scale-out: its shared store, and the joining once started. */
export interface ScaleOutHold {
  store: Store | undefined;
  start: Promise<ScaleOut> | undefined;
}

/** What these bodies use of a server: itself, its kernel and its scale-out hold. */
export interface Served {
  server: FastMCP;
  kernel: ServerKernel;
  hold: ScaleOutHold;
}

/** `run()` over an HTTP-based transport, with its module (loaded with the serving code). */
export async function runHttpServer(
  served: Served,
  options: Extract<RunOptions, { transport: unknown }>,
  { runHttp }: typeof import("../transports/http/run.js"),
): Promise<void> {
  const http = httpRunSettings(options) as RunHttpOptions;
  // Joined in each process that serves: not in a cluster's primary, which only looks after workers.
  await runHttp(served.server, http, () => joinScaleOut(served, http.store));
}

/** `listen()`, with the HTTP app's module (loaded with the serving code). */
export async function listenServer(
  served: Served,
  options: ListenOptions,
  { listen }: typeof import("../transports/http/app.js"),
): Promise<ListeningServer> {
  await joinScaleOut(served, options.store);
  return listen(served.server, options);
}

/** The HTTP app of `webHandler()` and `nodeListener()`. */
export async function httpApp(
  served: Served,
  options: HttpAppOptions,
  { HttpApp }: typeof import("../transports/http/app.js"),
): Promise<HttpApp> {
  await joinScaleOut(served, undefined);
  return new HttpApp(served.server, options);
}

/**
 * Attaches the shared store (given here, or by the constructor's `store` option) and joins the
 * other instances sharing it; once, before the transports start. Without a store it does nothing.
 */
export async function joinScaleOut(
  { server, kernel, hold }: Served,
  store: Store | undefined,
): Promise<void> {
  if (store !== undefined && hold.store !== undefined && store !== hold.store)
    throw new TypeError(`${server.name} already has a different store`);
  hold.store ??= store;
  const shared = hold.store;
  if (shared === undefined) return;
  // The hub it relays is made with the dispatcher.
  hold.start ??= Promise.all([import("../stores/scale-out.js"), kernel.serve()]).then(([{ ScaleOut }]) => {
    // An auth provider that keeps state (OAuthProxy) keeps it where the instances share it.
    (server.auth as AuthProvider | undefined)?.useSharedStore?.(shared);
    return ScaleOut.start(shared, kernel);
  });
  server.scaleOut = await hold.start;
}
