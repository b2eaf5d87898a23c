/** Clients a test file opens in memory or to a target, closed after each test; the two eras as options. */
import { afterAll, afterEach, beforeAll } from "vitest";
import { Client, type ClientOptions, type ClientTarget } from "../../src/client/index.js";
import { type FastMCP, type ListeningServer, StdioTransport } from "../../src/index.js";
import { ROOT } from "./paths.js";
import { LEGACY } from "./protocol.js";

/** A client that speaks the newest initialize-based revision. */
export const LEGACY_CLIENT: ClientOptions = { protocolVersion: LEGACY };

/** Client options for each era, for `it.each`: the default negotiates 2026-07-28. */
export const CLIENT_ERAS: [era: string, options: ClientOptions][] = [
  ["modern", {}],
  ["legacy", LEGACY_CLIENT],
];

/**
 * Returns `connect(target, options)`, whose clients are closed after each test of the calling file
 * (call it at the top level of the file).
 */
export function closingClients(): (target: ClientTarget, options?: ClientOptions) => Promise<Client> {
  const open: Client[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((client) => client.close()));
  });
  return async (target, options = {}) => {
    const client = new Client(target, options);
    open.push(client);
    await client.connect();
    return client;
  };
}

/** Where `wireTargets` reaches a server: its name, how to make the target, the client's options. */
export type WireTarget = [name: string, target: () => string | StdioTransport, options: ClientOptions];

/**
 * One server over Streamable HTTP in both eras (made by `create`, listening on 127.0.0.1 for the
 * calling describe) and over stdio (the `fixture` script run as a subprocess), for `it.each`.
 */
export function wireTargets(create: () => FastMCP | Promise<FastMCP>, fixture: string): WireTarget[] {
  let listening: ListeningServer | undefined;
  beforeAll(async () => {
    listening = await (await create()).listen({ host: "127.0.0.1", port: 0 });
  });
  afterAll(() => listening?.close());
  const url = () => {
    if (!listening) throw new Error("the server is not listening yet");
    return listening.url;
  };
  return [
    ["http modern", url, {}],
    ["http legacy", url, LEGACY_CLIENT],
    [
      "stdio",
      () => new StdioTransport(process.execPath, ["--import", "tsx", fixture], { cwd: ROOT, stderr: "pipe" }),
      {},
    ],
  ];
}
