// Control channel of the benchmark's HTTP server subprocesses (bench/servers/http-*.js): the bench
// process forks them with an IPC channel, gets `{ ready, urls }` once they listen, and can then ask
// for the server's CPU time and memory (after a forced GC when run with --expose-gc) without
// touching the HTTP path being measured. `exit` ends the process cleanly (so --cpu-prof is written).
import process from "node:process";
import { getHeapSpaceStatistics } from "node:v8";

/** Announces `urls` to the parent and answers its control messages; `close` runs before exiting. */
export function serveControl(urls, close = async () => {}) {
  process.on("message", async (message) => {
    if (message?.cmd === "stats") {
      if (message.gc && typeof globalThis.gc === "function") {
        // Twice: the first pass may leave weakly-held and finalization-pending objects behind.
        globalThis.gc();
        globalThis.gc();
      }
      const { user, system } = process.cpuUsage();
      const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
      // Memory readings only (the CPU readings bracket timed samples, so they stay cheap). The young
      // generation grows with the allocation rate, not with what is kept: reported apart.
      const newSpace = message.gc
        ? getHeapSpaceStatistics().find((space) => space.space_name === "new_space")
        : undefined;
      process.send({
        id: message.id,
        cpuMicros: user + system,
        rss,
        heapTotal,
        heapUsed,
        newSpace: newSpace?.space_size ?? 0,
        external,
        arrayBuffers,
      });
    } else if (message?.cmd === "exit") {
      await close().catch(() => {});
      process.exit(0);
    }
  });
  process.on("disconnect", () => process.exit(0));
  process.send({ ready: true, urls });
}
