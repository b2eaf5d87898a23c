/**
 * `run()` over HTTP: listens, prints where, and serves until SIGTERM or SIGINT, then shuts down
 * gracefully (see drainServer); with `workers`, a node:cluster of such processes on one port.
 */

import type { ServerEntry } from "../../server/entry.js";
import { logLevelAllows } from "../../server/run-settings.js";
import { StoreUnavailableError } from "../../stores/store.js";
import { TRANSPORT_DEFAULTS } from "../defaults.js";
import type { ListeningServer, ListenOptions, TransportName } from "./app.js";
import { ListenError } from "./listen-error.js";

export interface RunHttpOptions extends ListenOptions {
  /** Processes serving the port together (node:cluster); see RunOptions. */
  workers?: number;
}

/** How a cluster worker reports to the primary, and hears from it (see workers.ts). */
export interface WorkerLink {
  listening(urls: Partial<Record<TransportName, string>>): void;
  /** The server could not listen: the primary says why, once, and stops. */
  failed(message: string): void;
  /** The primary asks for a graceful shutdown. */
  onShutdown(stop: () => void): void;
  /** Shut down: leaves the cluster. */
  stopped(): void;
}

/** After a graceful shutdown, what a handler left running (a timer, a socket) may delay the exit this long. */
const EXIT_GRACE_MS = 1000;

function say(server: ServerEntry, line: string): void {
  if (logLevelAllows("info")) process.stderr.write(`[fastmcp-ts] ${server.name}${line}\n`);
}

/**
 * Serves until SIGTERM or SIGINT (or the primary's word, in a cluster worker); resolves once shut
 * down gracefully. A second signal exits at once. A port that cannot be bound, or a shared store
 * that cannot be reached at start, is the user's situation, not a bug in their code: one line on
 * stderr, exit 1.
 */
export async function serveHttp(
  server: ServerEntry,
  options: ListenOptions,
  prepare: Prepare,
  worker?: WorkerLink,
): Promise<void> {
  // Loaded here, not at the top: a cluster's primary loads this module but serves nothing itself.
  const { listen } = await import("./app.js");
  let listening: ListeningServer;
  try {
    await prepare();
    listening = await listen(server, options);
  } catch (error) {
    if (!(error instanceof ListenError || error instanceof StoreUnavailableError)) throw error;
    if (worker) worker.failed(error.message);
    else process.stderr.write(`[fastmcp-ts] ${server.name}: ${error.message}\n`);
    process.exit(1);
  }
  if (worker) worker.listening(listening.urls);
  else {
    const urls = Object.entries(listening.urls).map(([kind, url]) => `${kind} ${url}`);
    say(server, ` serving ${urls.join(", ")}`);
  }
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      const timeoutMs = options.shutdownTimeoutMs ?? TRANSPORT_DEFAULTS.httpShutdownTimeoutMs;
      // In a cluster the primary says it once for all.
      if (!worker) say(server, `: shutting down (requests in flight have ${timeoutMs} ms to finish)`);
      listening.shutdown({ timeoutMs }).then(() => {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        resolve();
      });
    };
    const onSignal = () => {
      if (stopping) process.exit(1);
      stop();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    worker?.onShutdown(stop);
  });
  worker?.stopped();
  exitSoon();
}

/**
 * Lets the code after `await mcp.run()` run, then makes sure the process ends even if a handler cut
 * at the deadline left a timer or a socket behind.
 */
export function exitSoon(): void {
  setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
}

/** What a process does before it serves (joining the other instances of a scaled-out server). */
export type Prepare = () => Promise<void>;

/**
 * `run()` over HTTP, in this process or (with `workers` above 1) a cluster of them; `prepare` runs
 * in each process that serves, before it listens.
 */
export async function runHttp(
  server: ServerEntry,
  options: RunHttpOptions,
  prepare: Prepare = async () => {},
): Promise<void> {
  const { workers, ...listenOptions } = options;
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1))
    throw new TypeError(`workers must be a whole number of at least 1, not ${String(workers)}`);
  if (workers === undefined || workers === 1) return serveHttp(server, listenOptions, prepare);
  const { runCluster } = await import("./workers.js");
  return runCluster(server, listenOptions, workers, prepare);
}
