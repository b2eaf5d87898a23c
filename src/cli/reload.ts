/**
 * `run --reload`: the server runs in a child process that restarts when a file in the server's
 * directory changes. Over HTTP the child simply restarts on the same port. Over stdio this process
 * keeps the client's connection: it relays lines, replays the client's `initialize` to each new
 * child (so a legacy session carries on), answers requests the old child never answered with an
 * error saying to send them again, and tells the client that tools, resources and prompts changed.
 */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { type FSWatcher, watch } from "node:fs";
import { basename, dirname } from "node:path";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { selfCommand } from "./self.js";
import { note } from "./ui.js";

type Child = ChildProcessByStdio<Writable | null, Readable | null, null>;

const IGNORED = /(^|[/\\])(node_modules|\.git|dist|coverage)([/\\]|$)|(^|[/\\])\.|~$|\.tmp$/;

/** Watches the server's directory (recursively); calls `changed` once per burst of changes. */
function watchFiles(dir: string, changed: (file: string) => void): FSWatcher {
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dir, { recursive: true }, (_event, name) => {
    const file = name?.toString() ?? "";
    if (IGNORED.test(file)) return;
    clearTimeout(timer);
    timer = setTimeout(() => changed(file), 100);
  });
  watcher.on("error", (error) => note(`fastmcp-ts: watching ${dir} failed: ${error.message}`));
  return watcher;
}

function childArgs(argv: readonly string[]): { command: string; args: string[] } {
  const self = selfCommand();
  return { command: self.command, args: [...self.args, "run", ...argv.filter((arg) => arg !== "--reload")] };
}

/** Runs the server in a child that restarts on change, until this process is told to stop. */
export function superviseReload(options: { argv: string[]; file: string; transport: string }): Promise<void> {
  const { command, args } = childArgs(options.argv);
  const dir = dirname(options.file);
  note(`fastmcp-ts: watching ${dir} for changes`);
  return options.transport === "stdio"
    ? superviseStdio(command, args, dir)
    : superviseNetwork(command, args, dir);
}

function superviseNetwork(command: string, args: string[], dir: string): Promise<void> {
  return new Promise((resolve) => {
    let child: Child | undefined;
    let stopping = false;
    const start = () => {
      const started = spawn(command, args, { stdio: ["ignore", "inherit", "inherit"] }) as Child;
      child = started;
      started.once("exit", () => {
        if (child === started) child = undefined;
      });
    };
    const restart = (file: string) => {
      note(`fastmcp-ts: ${file} changed; restarting ${basename(dir)}`);
      const old = child;
      if (!old) return start();
      old.once("exit", start);
      old.kill("SIGTERM");
    };
    const watcher = watchFiles(dir, restart);
    const stop = () => {
      if (stopping) return;
      stopping = true;
      watcher.close();
      if (!child) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    start();
  });
}

interface Message {
  id?: string | number | null;
  method?: string;
}

function parse(line: string): Message[] {
  try {
    const value = JSON.parse(line) as unknown;
    return (Array.isArray(value) ? value : [value]).filter(
      (item): item is Message => typeof item === "object" && item !== null,
    );
  } catch {
    return [];
  }
}

const isRequest = (message: Message) => message.method !== undefined && message.id !== undefined;
const isResponse = (message: Message) => message.method === undefined && message.id !== undefined;

function superviseStdio(command: string, args: string[], dir: string): Promise<void> {
  return new Promise((resolve) => {
    const out = process.stdout;
    const send = (message: unknown) => out.write(`${JSON.stringify(message)}\n`);
    let child: Child | undefined;
    let ready = false;
    let generation = 0;
    let initialize: string | undefined;
    let initialized: string | undefined;
    /** Requests the client sent to the current child, not yet answered (JSON ids). */
    const pending = new Map<string, Message["id"]>();
    const queue: string[] = [];
    let clientGone = false;

    /** Tells the client to list again: the new server may have other tools, resources and prompts. */
    const announceChanges = () => {
      for (const method of ["tools", "resources", "prompts"])
        send({ jsonrpc: "2.0", method: `notifications/${method}/list_changed` });
    };

    const failPending = (reason: string) => {
      for (const id of pending.values())
        send({ jsonrpc: "2.0", id, error: { code: -32603, message: reason } });
      pending.clear();
    };

    const write = (line: string) => {
      for (const message of parse(line))
        if (isRequest(message)) pending.set(JSON.stringify(message.id), message.id);
      child?.stdin?.write(`${line}\n`);
    };

    const start = () => {
      const mine = ++generation;
      const replayId = `fastmcp-reload-${mine}`;
      const started = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"] }) as Child;
      child = started;
      ready = initialize === undefined;
      started.stdin?.on("error", () => {}); // a child that died mid-write: its exit says so
      createInterface({ input: started.stdout as Readable }).on("line", (line) => {
        if (mine !== generation) return;
        const messages = parse(line);
        if (!ready && messages.some((message) => message.id === replayId)) {
          ready = true;
          if (initialized) started.stdin?.write(`${initialized}\n`);
          announceChanges();
          for (const queued of queue.splice(0)) write(queued);
          return;
        }
        for (const message of messages) if (isResponse(message)) pending.delete(JSON.stringify(message.id));
        out.write(`${line}\n`);
      });
      started.once("exit", (code, signal) => {
        if (mine !== generation) return;
        child = undefined;
        // Requests waiting for this child to be ready will not be answered by it either.
        for (const queued of queue.splice(0))
          for (const message of parse(queued))
            if (isRequest(message)) pending.set(JSON.stringify(message.id), message.id);
        failPending("The server stopped; send the request again after it restarts");
        if (clientGone) return finish();
        note(
          `fastmcp-ts: the server exited (${signal ?? `code ${code}`}); it starts again when a file changes`,
        );
      });
      if (initialize !== undefined) {
        const replay = JSON.parse(initialize) as Record<string, unknown>;
        started.stdin?.write(`${JSON.stringify({ ...replay, id: replayId })}\n`);
      } else if (mine > 1) announceChanges(); // stateless (2026-07-28): the pipe holds requests until it reads
    };

    const restart = (file: string) => {
      note(`fastmcp-ts: ${file} changed; restarting the server`);
      const old = child;
      generation++; // lines and exit of the old child are ignored from now on
      failPending("The server restarted after a file change; send the request again");
      child = undefined;
      old?.kill("SIGTERM");
      start();
    };

    const watcher = watchFiles(dir, restart);
    const finish = () => {
      watcher.close();
      resolve();
    };

    createInterface({ input: process.stdin })
      .on("line", (line) => {
        for (const message of parse(line)) {
          if (message.method === "initialize") initialize = line;
          if (message.method === "notifications/initialized") initialized = line;
        }
        if (child === undefined) {
          for (const message of parse(line))
            if (isRequest(message))
              send({
                jsonrpc: "2.0",
                id: message.id,
                error: {
                  code: -32603,
                  message: "The server is not running (it exited); fix it and save a file",
                },
              });
          return;
        }
        if (!ready) queue.push(line);
        else write(line);
      })
      .on("close", () => {
        clientGone = true;
        if (!child) return finish();
        child.stdin?.end();
      });
    start();
  });
}
