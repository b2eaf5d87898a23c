/**
 * A real `redis-server` for tests: on a free port of 127.0.0.1, nothing persisted, ready when it
 * answers. `stop()` and `restart()` (same port) make outages; `await using` or `close()` ends it.
 * One per test file is enough: stores with their own prefixes share it.
 *
 * @example
 * ```ts
 * let redis: RedisServer;
 * beforeAll(async () => { redis = await startRedisServer(); });
 * afterAll(() => redis.close());
 * const store = new RedisStore({ url: redis.url, prefix: "t1:" });
 * ```
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";

export interface RedisServer extends AsyncDisposable {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Whether the server is running now. */
  readonly running: boolean;
  /** Kills the server (SIGKILL: an outage, not a shutdown); resolves when it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty: nothing is persisted); resolves when it is ready. */
  restart(): Promise<void>;
  /** Stops it for good (idempotent). */
  close(): Promise<void>;
}

const READY = /Ready to accept connections/;
const IN_USE = /Address already in use|bind: /i;
const START_TIMEOUT_MS = 10_000;

/** Starts `redis-server` on a free port; retries with another port when one is taken meanwhile. */
export async function startRedisServer(): Promise<RedisServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    try {
      const child = await launch(port);
      return handle(port, child);
    } catch (error) {
      lastError = error;
      if (!(error instanceof PortTakenError)) throw error;
    }
  }
  throw lastError;
}

class PortTakenError extends Error {}

/** A port nothing listens on right now (the kernel's pick for port 0, released at once). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

/** Spawns redis-server on `port`; resolves once its log says it accepts connections. */
async function launch(port: number): Promise<ChildProcess> {
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--protected-mode",
      "yes",
      "--loglevel",
      "notice",
      "--logfile",
      "",
      "--daemonize",
      "no",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  // Never outlives the test worker, even one that dies before its afterAll.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  let log = "";
  return new Promise<ChildProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`redis-server on port ${port} was not ready after ${START_TIMEOUT_MS} ms:\n${log}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      log += chunk.toString("utf8");
      if (READY.test(log)) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        child.stderr?.off("data", onData);
        // Keep draining its output so a full pipe never blocks the server.
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(
        (error as NodeJS.ErrnoException).code === "ENOENT"
          ? new Error("redis-server is not installed (apt-get install redis-server)")
          : error,
      );
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (IN_USE.test(log)) reject(new PortTakenError(`port ${port} is taken`));
      else reject(new Error(`redis-server exited (${signal ?? code}) before it was ready:\n${log}`));
    });
  });
}

function handle(port: number, first: ChildProcess): RedisServer {
  let child: ChildProcess | undefined = first;
  let closed = false;
  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, "exit");
    running.kill("SIGKILL");
    await exited;
  };
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    stop: kill,
    async restart() {
      if (closed) throw new Error("this redis-server was closed");
      await kill();
      // The port was ours a moment ago; another process may grab it meanwhile, and then the
      // outage test cannot go on: say so rather than starting elsewhere.
      child = await launch(port);
    },
    async close() {
      closed = true;
      await kill();
    },
    [Symbol.asyncDispose]() {
      return server.close();
    },
  };
  return server;
}
