/**
 * The stdio server transport: newline-delimited JSON-RPC on stdin/stdout. Nothing but protocol
 * messages is written to stdout; the server stops when stdin ends. The reading and writing loop
 * (serve.ts) loads with the first `serveStdio()`; `FastMCP.run()` finds it in its serving code's file.
 */
import type { Readable, Writable } from "node:stream";
import type { ServerEntry } from "../../server/entry.js";

export interface StdioServeOptions {
  stdin?: Readable;
  stdout?: Writable;
  /**
   * Largest accepted message line, in bytes (default 64 MiB). A request over it is answered at once
   * with a -32600 error naming its size.
   */
  maxLineBytes?: number;
  /**
   * Sends console.log/info/debug to stderr while serving, so a stray log line cannot corrupt the
   * protocol stream (default true when serving on process.stdout).
   */
  redirectConsole?: boolean;
  /** After stdin ends, how long requests already read may take to finish before they are aborted (ms). */
  shutdownGraceMs?: number;
}

/** Serves `server` until stdin ends. */
export function serveStdio(server: ServerEntry, options: StdioServeOptions = {}): Promise<void> {
  return serveStdioWith(server, options, () => import("./serve.js"));
}

/** The stdio loop (serve.ts), in a file of its own or in the server's serving code. */
type Loop = Pick<typeof import("./serve.js"), "serveLines">;

/** @internal `serveStdio` with the loop from `load` (FastMCP.run has it in its serving code). */
export function serveStdioWith(
  server: ServerEntry,
  options: StdioServeOptions,
  load: () => Loop | Promise<Loop>,
): Promise<void> {
  const stdout = options.stdout ?? process.stdout;
  // At once, so that nothing logged after this call reaches stdout.
  const restoreConsole =
    (options.redirectConsole ?? stdout === process.stdout) ? redirectConsole() : () => {};
  return Promise.resolve()
    .then(load)
    .then(
      ({ serveLines }) => serveLines(server, options, restoreConsole),
      (error: unknown) => {
        restoreConsole();
        throw error;
      },
    );
}

function redirectConsole(): () => void {
  const original = { log: console.log, info: console.info, debug: console.debug };
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;
  return () => Object.assign(console, original);
}
