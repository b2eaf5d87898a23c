// A long-lived host for runs of the conformance suite's CLI (`node --import ./globsync-preload.mjs
// cli-host.mjs <CLI entry>`, with an IPC channel): each message `{ id, args }` runs the CLI once,
// as `conformance ...args` would, by importing a fresh instance of its entry module
// (`index.js?run=<id>`) with `process.argv` set to the arguments. The first `process.exit(code)` the
// run calls ends it; the host answers `{ id, code, output }`, the run's stdout and stderr. Starting
// node and loading the CLI's dependencies (most of a run's CPU) then happens once per host.
//
// An uncaught exception or unhandled rejection during a run ends it with code 1, as it ends the
// CLI. One run at a time; the parent kills the host when a run takes too long.
import { pathToFileURL } from "node:url";

const bin = process.argv[2];
const entry = pathToFileURL(bin).href;
const write = {
  out: process.stdout.write.bind(process.stdout),
  err: process.stderr.write.bind(process.stderr),
};
/** The run in progress: its id and output so far. */
let current;

function finish(code) {
  if (!current) return;
  const { id, output } = current;
  current = undefined;
  process.send({ id, code, output });
}

for (const [name, stream] of [
  ["out", process.stdout],
  ["err", process.stderr],
]) {
  stream.write = (chunk, encoding, callback) => {
    if (!current) return write[name](chunk, encoding, callback);
    current.output += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    const done = typeof encoding === "function" ? encoding : callback;
    if (typeof done === "function") done();
    return true;
  };
}

// The CLI ends a run with process.exit: the host stays, and what the run still does after it is
// not part of its output.
process.exit = (code) => {
  finish(code ?? process.exitCode ?? 0);
};

const crashed = (error) => {
  if (!current) return write.err(`[cli-host] between runs: ${error?.stack ?? error}\n`);
  current.output += `${error?.stack ?? error}\n`;
  finish(1);
};
process.on("uncaughtException", crashed);
process.on("unhandledRejection", crashed);

process.on("message", async ({ id, args }) => {
  current = { id, output: "" };
  process.argv = [process.execPath, bin, ...args];
  try {
    await import(`${entry}?run=${id}`);
  } catch (error) {
    crashed(error);
  }
});
process.on("disconnect", () => process.kill(process.pid, "SIGKILL"));
