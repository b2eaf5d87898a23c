/**
 * Helpers of the end-to-end feature matrix: one "rig" per transport × era, holding the server (in
 * this process, or the stdio fixture's subprocess), a shared client whose handlers a test swaps
 * through `hooks`, a bare client declaring no capabilities, and fresh clients on demand.
 */
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import {
  Client,
  type ClientOptions,
  type CreateMessageRequestParams,
  type ElicitationHandler,
  type ElicitationRequest,
  type FastMCP,
  type JSONRPCNotification,
  type ListeningServer,
  type LogMessage,
  McpError,
  type Root,
  type SamplingHandler,
  StdioTransport,
} from "../../src/index.js";
import { createMatrixServer } from "../fixtures/matrix-server.js";

export type TransportKind = "memory" | "stdio" | "http";
export type EraKind = "modern" | "legacy";

export const TRANSPORTS: TransportKind[] = ["memory", "stdio", "http"];
export const ERAS: EraKind[] = ["modern", "legacy"];
export const COMBOS: [TransportKind, EraKind][] = TRANSPORTS.flatMap((transport) =>
  ERAS.map((era): [TransportKind, EraKind] => [transport, era]),
);

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const FIXTURE = fileURLToPath(new URL("../fixtures/matrix-server.ts", import.meta.url));

export const LEGACY_VERSION = "2025-11-25";
export const MODERN_VERSION = "2026-07-28";

/** What the shared client does when the server asks or tells it something; reset after each test. */
export interface Hooks {
  elicitation: ElicitationHandler | undefined;
  sampling: SamplingHandler | undefined;
  roots: Root[] | (() => Root[] | Promise<Root[]>);
  onLog: ((message: LogMessage) => void) | undefined;
  onProgress: ((progress: number, total?: number, message?: string) => void) | undefined;
  onNotification: ((notification: JSONRPCNotification) => void) | undefined;
  /** Every request the handlers saw, in order. */
  calls: {
    elicitation: ElicitationRequest[];
    sampling: CreateMessageRequestParams[];
    roots: number;
  };
}

function freshHooks(): Hooks {
  return {
    elicitation: undefined,
    sampling: undefined,
    roots: [],
    onLog: undefined,
    onProgress: undefined,
    onNotification: undefined,
    calls: { elicitation: [], sampling: [], roots: 0 },
  };
}

export interface Rig {
  transport: TransportKind;
  era: EraKind;
  modern: boolean;
  /** The client every handler option points at `hooks`. */
  client: Client;
  hooks: Hooks;
  /** A client with no handlers at all (so it declares no capabilities) recording notifications. */
  bare: Client;
  bareNotifications: JSONRPCNotification[];
  /** The server object, when it runs in this process (memory, http). */
  server: FastMCP | undefined;
  /** A new client to the same server (over stdio: a new server process), closed after the test. */
  connect(options?: ClientOptions): Promise<Client>;
  /** Resets hooks and closes the clients `connect` made. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

function eraOptions(era: EraKind): ClientOptions {
  return era === "legacy" ? { protocolVersion: LEGACY_VERSION } : {};
}

export async function createRig(transport: TransportKind, era: EraKind): Promise<Rig> {
  let server: FastMCP | undefined;
  let listening: ListeningServer | undefined;
  if (transport !== "stdio") server = createMatrixServer();
  if (transport === "http") listening = await (server as FastMCP).listen({ host: "127.0.0.1", port: 0 });
  const target = () => {
    if (transport === "memory") return server as FastMCP;
    if (transport === "http") return (listening as ListeningServer).url;
    return new StdioTransport(process.execPath, ["--import", "tsx", FIXTURE], { cwd: ROOT, stderr: "pipe" });
  };
  const open = async (options: ClientOptions) => {
    const client = new Client(target(), { ...eraOptions(era), ...options });
    await client.connect();
    return client;
  };

  let hooks = freshHooks();
  const client = await open({
    elicitation: (request, ctx) => {
      hooks.calls.elicitation.push(request);
      if (!hooks.elicitation) throw new Error("the test set no elicitation hook");
      return hooks.elicitation(request, ctx);
    },
    sampling: (request, ctx) => {
      hooks.calls.sampling.push(request);
      if (!hooks.sampling) throw new Error("the test set no sampling hook");
      return hooks.sampling(request, ctx);
    },
    roots: () => {
      hooks.calls.roots++;
      return typeof hooks.roots === "function" ? hooks.roots() : hooks.roots;
    },
    onLog: (message) => hooks.onLog?.(message),
    onProgress: (progress, total, message) => hooks.onProgress?.(progress, total, message),
    onNotification: (notification) => hooks.onNotification?.(notification),
  });
  const bareNotifications: JSONRPCNotification[] = [];
  const bare = await open({ onNotification: (notification) => bareNotifications.push(notification) });
  const fresh: Client[] = [];

  return {
    transport,
    era,
    modern: era === "modern",
    client,
    get hooks() {
      return hooks;
    },
    bare,
    bareNotifications,
    server,
    async connect(options = {}) {
      const made = new Client(target(), { ...eraOptions(era), ...options });
      fresh.push(made);
      await made.connect();
      return made;
    },
    async reset() {
      hooks = freshHooks();
      bareNotifications.length = 0;
      await Promise.allSettled(fresh.splice(0).map((made) => made.close()));
    },
    async close() {
      await Promise.allSettled([...fresh.splice(0), client, bare].map((made) => made.close()));
      await listening?.close();
    },
  } satisfies Rig;
}

let counter = 0;
/** A unique id for server-side bookkeeping (the stdio server outlives a test). */
export function uid(prefix = "id"): string {
  counter++;
  return `${prefix}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Rejects with a clear message when `promise` does not settle within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` (sync or async) until it holds, or fails after `ms`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Calls a tool whose text is JSON and parses it. */
export async function callJson<T = any>(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<T> {
  const result = await client.callTool(name, args);
  return JSON.parse(result.text) as T;
}

/** The server's number of open `subscriptions/listen` streams, through the fixture's tool. */
export async function listenerCount(client: Client): Promise<number> {
  return Number((await client.callTool("listener_count")).text);
}

/** Asserts `promise` rejects with an McpError of `code`; returns the error. */
export async function expectMcpError(promise: Promise<unknown>, code: number): Promise<any> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, "the call should have failed").toBeDefined();
  expect(error).toBeInstanceOf(McpError);
  expect((error as { code?: number }).code).toBe(code);
  return error;
}

/** One request a client's transport sent, and the result it got back (once it has). */
export interface WireRecord {
  method: string;
  params: Record<string, any> | undefined;
  result: Record<string, any> | undefined;
}

/**
 * Records every request the client hands its transport, with its raw result, until `stop()`:
 * a wire view that works the same for every transport (input-required rounds included, since the
 * client's retry loop sits above the transport).
 */
export function recordWire(client: Client): { records: WireRecord[]; stop(): void } {
  const transport = client.transport;
  const original = transport.sendRequest;
  const records: WireRecord[] = [];
  transport.sendRequest = ((request, options) => {
    const record: WireRecord = { method: request.method, params: request.params, result: undefined };
    records.push(record);
    const sent = original.call(transport, request, options);
    sent.then(
      (result) => {
        record.result = result;
      },
      () => {},
    );
    return sent;
  }) as typeof original;
  return {
    records,
    stop: () => {
      transport.sendRequest = original;
    },
  };
}
