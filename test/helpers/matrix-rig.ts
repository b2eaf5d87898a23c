/**
 * Helpers of the end-to-end feature matrix: one "rig" per transport × era, holding the server (in
 * this process, or the stdio fixture's subprocess), a shared client whose handlers a test swaps
 * through `hooks`, a bare client declaring no capabilities, and fresh clients on demand.
 */
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
import { MATRIX_SERVER, ROOT } from "./paths.js";
import { LEGACY } from "./protocol.js";

export type TransportKind = "memory" | "stdio" | "http" | "sse" | "ws";
export type EraKind = "modern" | "legacy";

export const TRANSPORTS: TransportKind[] = ["memory", "stdio", "http", "sse", "ws"];
export const ERAS: EraKind[] = ["modern", "legacy"];

/** The eras each transport carries in the matrix: the legacy HTTP+SSE transport is the old era's. */
const TRANSPORT_ERAS = {
  memory: ERAS,
  stdio: ERAS,
  http: ERAS,
  sse: ["legacy"],
  ws: ERAS,
} as const satisfies Record<TransportKind, readonly EraKind[]>;

export const COMBOS: [TransportKind, EraKind][] = TRANSPORTS.flatMap((transport) =>
  TRANSPORT_ERAS[transport].map((era): [TransportKind, EraKind] => [transport, era]),
);

/** Transports whose server runs in a node:http server of this process. */
const NETWORK = new Set<TransportKind>(["http", "sse", "ws"]);

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
  /** The server object, when it runs in this process (every transport but stdio). */
  server: FastMCP | undefined;
  /** A new client to the same server (over stdio: a new server process), closed after the test. */
  connect(options?: ClientOptions): Promise<Client>;
  /** Resets hooks and closes the clients `connect` made. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

function eraOptions(era: EraKind): ClientOptions {
  return era === "legacy" ? { protocolVersion: LEGACY } : {};
}

export async function createRig(transport: TransportKind, era: EraKind): Promise<Rig> {
  let server: FastMCP | undefined;
  let listening: ListeningServer | undefined;
  if (transport !== "stdio") server = createMatrixServer();
  if (NETWORK.has(transport)) {
    listening = await (server as FastMCP).listen({
      host: "127.0.0.1",
      port: 0,
      transport: transport as "http" | "sse" | "ws",
    });
  }
  const target = () => {
    if (transport === "memory") return server as FastMCP;
    if (listening) return listening.url;
    return new StdioTransport(process.execPath, ["--import", "tsx", MATRIX_SERVER], {
      cwd: ROOT,
      stderr: "pipe",
    });
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
