// Stdio tool calls per second: each stack's client talks to its own server running as a real
// subprocess (bench/servers/*.js) over newline-delimited JSON-RPC on stdin/stdout.
import { measureConnections } from "../harness.js";

export function runStdio(stacks, config) {
  return measureConnections(stacks, (stack) => stack.stdio(), config);
}
