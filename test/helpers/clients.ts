/** Clients a test file opens in memory or to a target, closed after each test; the two eras as options. */
import { afterEach } from "vitest";
import { Client, type ClientOptions, type ClientTarget } from "../../src/client/index.js";
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
