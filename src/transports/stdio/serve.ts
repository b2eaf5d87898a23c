/**
 * The loop of the stdio server transport (server.ts): reads lines from stdin, hands them to a
 * session, writes its messages to stdout.
 */
import { ErrorCode } from "../../protocol/codes.js";
import { errorResponse } from "../../protocol/jsonrpc.js";
import type { JSONRPCMessage } from "../../protocol/types.js";
import type { ServerEntry } from "../../server/entry.js";
import { TRANSPORT_DEFAULTS } from "../defaults.js";
import { encodeLine, LineDecoder, type OversizedLine, peekEnvelope } from "./lines.js";
import type { StdioServeOptions } from "./server.js";

/**
 * Lines handled before the server yields to the event loop. Answers to one turn's lines leave in
 * one write when the turn ends; a client with 32 calls in flight sends them in one chunk, and
 * handling the whole chunk in one turn would hold all 32 answers until the last was ready, so
 * client and server would take turns idling. In turns of 8 they overlap: over stdio with 32 calls
 * in flight this took calls/s from about 0.6x to about 1.05x the hand-written floor
 * (bench/servers/floor.js), for a few more syscalls.
 */
const LINES_PER_TURN = 8;

/** Serves `server` until stdin ends (see `serveStdio`, which has redirected the console). */
export function serveLines(
  server: ServerEntry,
  options: StdioServeOptions,
  restoreConsole: () => void,
): Promise<void> {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  let open = true;
  // Lines written in the same tick leave in one write (one syscall): cork on the first, uncork on
  // the next tick; finishing flushes first, so nothing is held back when serving ends.
  let corked = false;
  const flush = () => {
    if (!corked) return;
    corked = false;
    stdout.uncork();
  };
  const write = (message: JSONRPCMessage) => {
    if (!open) return;
    if (!corked) {
      corked = true;
      stdout.cork();
      process.nextTick(flush);
    }
    stdout.write(encodeLine(message));
  };
  const session = server.createSession({ send: write, transport: "stdio" });
  const answerOversized = (line: OversizedLine) => {
    // Answer the request the line belongs to at once, so the client does not wait for a timeout.
    // A notification has no one to answer; a client's over-cap response (or a line whose id the
    // two ends do not show) gets an error with a null id, as JSON-RPC asks.
    const envelope = peekEnvelope(line.head, line.tail);
    const text = `Message too large: ${line.bytes} bytes exceeds the server's ${line.limit}-byte line limit (maxLineBytes)`;
    if (envelope.method && envelope.id === undefined) {
      process.stderr.write(`[fastmcp-ts] dropped a notification: ${text}\n`);
      return;
    }
    const id = envelope.method ? envelope.id : undefined;
    write(errorResponse(id, ErrorCode.InvalidRequest, text, { bytes: line.bytes, limit: line.limit }));
  };
  const handle = (item: string | OversizedLine) =>
    typeof item === "string" ? session.receiveText(item) : answerOversized(item);

  // Lines read but not yet handled, in arrival order (oversized ones too, so answers keep it).
  // They are handled LINES_PER_TURN at a time; while some wait, stdin is paused, so a client
  // that writes faster than the server answers is held back instead of filling memory.
  let backlog: (string | OversizedLine)[] = [];
  let next = 0;
  let scheduled = false;
  let paused = false;
  const handleTurn = () => {
    scheduled = false;
    const stop = Math.min(backlog.length, next + LINES_PER_TURN);
    while (open && next < stop) handle(backlog[next++] as string | OversizedLine);
    if (open && next < backlog.length) {
      scheduled = true;
      setImmediate(handleTurn);
      if (!paused) {
        paused = true;
        stdin.pause();
      }
      return;
    }
    backlog = [];
    next = 0;
    if (paused && open) {
      paused = false;
      stdin.resume();
    }
  };
  /** Handles every line still waiting (at end of input, before draining). */
  const handleAll = () => {
    while (open && next < backlog.length) handle(backlog[next++] as string | OversizedLine);
    backlog = [];
    next = 0;
  };
  const decoder = new LineDecoder({
    ...(options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes }),
    onLine: (line) => backlog.push(line),
    onOversized: (line) => backlog.push(line),
  });

  return new Promise<void>((resolve) => {
    let ending = false;
    // At end of input, requests already read are still answered before the session closes.
    const drainThenFinish = () => {
      if (ending) return;
      ending = true;
      decoder.end();
      handleAll();
      const grace = setTimeout(finish, options.shutdownGraceMs ?? TRANSPORT_DEFAULTS.shutdownGraceMs);
      session.drain().then(() => {
        clearTimeout(grace);
        finish();
      });
    };
    const finish = () => {
      if (!open) return;
      flush();
      open = false;
      session.close();
      stdin.off("data", onData);
      stdout.off("error", finish);
      restoreConsole();
      resolve();
    };
    const onData = (chunk: Buffer) => {
      decoder.push(chunk);
      if (!scheduled) handleTurn();
    };
    stdin.on("data", onData);
    stdin.once("end", drainThenFinish);
    stdin.once("close", drainThenFinish);
    stdin.once("error", finish);
    // A client that went away closes our stdout: EPIPE ends serving instead of crashing.
    stdout.on("error", finish);
    stdin.resume();
  });
}
