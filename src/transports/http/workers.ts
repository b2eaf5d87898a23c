/**
 * `run({ workers: N })`: N processes serving one port with node:cluster. The primary runs the
 * user's script up to `run()`, forks the workers (each runs the script again, and its `run()`
 * listens), prints one line once all listen, replaces a worker that dies, and on SIGTERM or SIGINT
 * asks every worker to shut down gracefully and exits once they have. The primary never builds the
 * HTTP app.
 *
 * Without a shared store each worker has its own memory: the 2026-07-28 era (stateless) is served
 * by all, legacy HTTP sessions are refused (unless `stateless: true`), and the SSE and WebSocket
 * transports, whose sessions are the connection's process, refuse to start.
 */
import type { Cluster, Worker } from "node:cluster";
import type { ServerEntry } from "../../server/entry.js";
import { commandLine, logLevelAllows } from "../../server/run-settings.js";
import type { ListenOptions, TransportName } from "./app.js";
import { exitSoon, type Prepare, serveHttp, type WorkerLink } from "./run.js";

/** What the workers and the primary say to each other over the cluster's IPC channel. */
type ClusterMessage =
  | { fastmcp: "listening"; urls: Partial<Record<TransportName, string>> }
  | { fastmcp: "failed"; message: string }
  | { fastmcp: "shutdown" };

function isClusterMessage(value: unknown): value is ClusterMessage {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { fastmcp?: unknown }).fastmcp === "string"
  );
}

/** Restarts of crashed workers: the window they are counted in, and the longest wait before one. */
const CRASH_WINDOW_MS = 60_000;
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * The wait before replacing a crashed worker, from the crashes in the last minute (this one
 * included): none for the first, then 100 ms doubling up to 30 s, as process managers such as
 * PM2 back off. A script that crashes at once keeps being retried, but at most twice a minute.
 */
export function restartDelay(recentCrashes: number): number {
  return recentCrashes <= 1 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 100 * 2 ** (recentCrashes - 2));
}

function transportsOf(options: ListenOptions): TransportName[] {
  return Array.isArray(options.transport) ? options.transport : [options.transport ?? "http"];
}

/**
 * Why these options cannot run on several workers, or undefined: SSE and WebSocket sessions live
 * in the process that holds the connection, and without a store nothing else can reach them.
 */
export function workersProblem(
  server: ServerEntry,
  options: ListenOptions,
  workers: number,
): string | undefined {
  if (options.store ?? server.store) return undefined;
  const refused = transportsOf(options).filter((kind) => kind === "sse" || kind === "ws");
  if (refused.length === 0) return undefined;
  return (
    `the ${refused.join(" and ")} transport${refused.length > 1 ? "s need" : " needs"} the \`store\` option ` +
    `to run on ${workers} workers (a session lives in one worker, and the others cannot reach it): ` +
    `give a shared store (RedisStore from fastmcp-ts/redis), or serve "http" only`
  );
}

/**
 * Why a legacy `initialize` is refused on workers without a store; said to any client, so it names
 * the option to set but not how the deployment is laid out (how many workers).
 */
const LEGACY_NEEDS_STORE =
  "Legacy sessions are not served: this server runs several workers without the `store` option " +
  "that would share sessions between them. Use protocol 2026-07-28; the server can also serve " +
  "legacy clients with `stateless: true` or a shared store (RedisStore from fastmcp-ts/redis)";

/** A worker's listen options: without a store, legacy sessions are refused (stateless ones are fine). */
function workerOptions(server: ServerEntry, options: ListenOptions): ListenOptions {
  if (options.store ?? server.store) return options;
  if (options.legacySessions !== undefined || options.stateless) return options;
  return { ...options, legacySessions: LEGACY_NEEDS_STORE };
}

/** `run()` with `workers` above 1: the primary supervises, a worker serves. */
export async function runCluster(
  server: ServerEntry,
  options: ListenOptions,
  workers: number,
  prepare: Prepare,
): Promise<void> {
  const { default: cluster } = await import("node:cluster");
  if (cluster.isWorker)
    return serveHttp(server, workerOptions(server, options), prepare, workerLink(cluster));
  const problem = workersProblem(server, options, workers);
  if (problem !== undefined) {
    process.stderr.write(`[fastmcp-ts] ${server.name}: ${problem}\n`);
    process.exit(1);
  }
  // Each worker starts as this process did (under `fastmcp-ts run`, the command, not the file).
  const [, exec, ...args] = commandLine(process.argv);
  if (exec !== undefined) cluster.setupPrimary({ exec, args });
  await supervise(cluster, server, workers);
  exitSoon();
}

function workerLink(cluster: Cluster): WorkerLink {
  const send = (message: ClusterMessage) => process.send?.(message);
  let listener: ((message: unknown) => void) | undefined;
  return {
    listening: (urls) => send({ fastmcp: "listening", urls }),
    failed: (message) => send({ fastmcp: "failed", message }),
    onShutdown(stop) {
      listener = (message) => {
        if (isClusterMessage(message) && message.fastmcp === "shutdown") stop();
      };
      process.on("message", listener);
    },
    stopped() {
      if (listener) process.off("message", listener);
      // Leaves the cluster as a worker that meant to: the primary does not count it as a crash.
      cluster.worker?.disconnect();
    },
  };
}

/** Forks the workers and looks after them until they have all exited after a shutdown. */
function supervise(cluster: Cluster, server: ServerEntry, count: number): Promise<void> {
  const log = (level: "info" | "warning" | "error", line: string) => {
    if (logLevelAllows(level)) process.stderr.write(`[fastmcp-ts] ${server.name}${line}\n`);
  };
  return new Promise<void>((resolve) => {
    const live = new Map<number, Worker>();
    const crashes: number[] = [];
    const restarts = new Set<ReturnType<typeof setTimeout>>();
    let serving = false;
    let stopping = false;
    let failedExit = false;
    let ready = 0;

    const fork = (replacing?: number) => {
      const worker = cluster.fork();
      const pid = worker.process.pid;
      let listened = false;
      live.set(worker.id, worker);
      // A message to a worker whose channel just closed fails here; its exit is handled below.
      worker.on("error", () => {});
      worker.on("message", (message: unknown) => {
        if (!isClusterMessage(message)) return;
        if (message.fastmcp === "failed" && !serving) abort(`: ${message.message}`);
        if (message.fastmcp !== "listening" || listened) return;
        listened = true;
        // It was still starting when the shutdown began, and did not hear of it.
        if (stopping) worker.send({ fastmcp: "shutdown" });
        if (serving) {
          log("info", `: worker ${pid} is serving in place of worker ${replacing}`);
          return;
        }
        if (++ready < count) return;
        serving = true;
        const urls = Object.entries(message.urls).map(([kind, url]) => `${kind} ${url}`);
        log("info", ` serving ${urls.join(", ")} (${count} workers)`);
      });
      worker.on("exit", (code, signal) => {
        live.delete(worker.id);
        if (stopping) {
          if (code !== 0) failedExit = true;
          if (live.size === 0) finish();
          return;
        }
        const how = signal ? `signal ${signal}` : `code ${code}`;
        if (!serving) {
          abort(`: worker ${pid} exited (${how}) before serving`);
          return;
        }
        const now = Date.now();
        crashes.push(now);
        while (crashes.length > 0 && (crashes[0] as number) < now - CRASH_WINDOW_MS) crashes.shift();
        const delay = restartDelay(crashes.length);
        log(
          "warning",
          `: worker ${pid} exited (${how}); starting another${delay > 0 ? ` in ${delay} ms` : ""}`,
        );
        const timer = setTimeout(() => {
          restarts.delete(timer);
          fork(pid);
        }, delay);
        restarts.add(timer);
      });
    };

    /** Startup failed: one line, the other workers stopped, exit 1. */
    const abort = (line: string) => {
      if (stopping) return;
      stopping = true;
      log("error", line);
      for (const worker of live.values()) worker.process.kill("SIGKILL");
      process.exit(1);
    };

    const finish = () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      if (failedExit) process.exitCode = 1;
      resolve();
    };

    const onSignal = () => {
      if (stopping) {
        // A second signal: no more waiting.
        for (const worker of live.values()) worker.process.kill("SIGKILL");
        process.exit(1);
      }
      stopping = true;
      for (const timer of restarts) clearTimeout(timer);
      restarts.clear();
      log("info", `: shutting down ${live.size} workers`);
      if (live.size === 0) finish();
      for (const worker of live.values()) {
        // A worker still starting (or without its channel) is told by signal instead.
        if (worker.isConnected()) worker.send({ fastmcp: "shutdown" });
        else worker.process.kill("SIGTERM");
      }
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    for (let i = 0; i < count; i++) fork();
  });
}
