// A real `redis-server` on a free port of 127.0.0.1 for the tests and for `npm run bench`. Plain
// JS so the bench (which runs on dist/, without tsx) shares it; its types and docs are in
// redis-server.d.ts.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";

const READY = /Ready to accept connections/;
const IN_USE = /Address already in use|bind: /i;
const START_TIMEOUT_MS = 10_000;

export class RedisServerMissingError extends Error {}

class PortTakenError extends Error {}

/** @returns {Promise<import("./redis-server.d.ts").RedisServer>} */
export async function startRedisServer() {
  let lastError;
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

/** A port nothing listens on right now (the kernel's pick for port 0, released at once). */
async function freePort() {
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
async function launch(port) {
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
  // Never outlives the process that started it, even one that dies before its cleanup.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  let log = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`redis-server on port ${port} was not ready after ${START_TIMEOUT_MS} ms:\n${log}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk) => {
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
        error.code === "ENOENT"
          ? new RedisServerMissingError(
              "redis-server is not on PATH (install it: apt-get install redis-server)",
              {
                cause: error,
              },
            )
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

function handle(port, first) {
  let child = first;
  let closed = false;
  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, "exit");
    running.kill("SIGKILL");
    await exited;
  };
  const server = {
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
