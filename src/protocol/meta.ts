/** Reserved `_meta` keys of the 2026-07-28 per-request envelope. */
export const MetaKey = {
  ProtocolVersion: "io.modelcontextprotocol/protocolVersion",
  ClientInfo: "io.modelcontextprotocol/clientInfo",
  ClientCapabilities: "io.modelcontextprotocol/clientCapabilities",
  LogLevel: "io.modelcontextprotocol/logLevel",
  ServerInfo: "io.modelcontextprotocol/serverInfo",
  SubscriptionId: "io.modelcontextprotocol/subscriptionId",
  ProgressToken: "progressToken",
} as const;

/**
 * `{ ...params, _meta: meta }`, written so that V8 keeps one hidden class per params shape: a key
 * added after a spread (in the literal or later) gives each such object a hidden class of its own
 * (Node 20), and every property access on it, a server's too when in memory, then misses its cache.
 * The key goes first, and is set again in case params had one.
 */
export function withMeta(
  params: Record<string, unknown>,
  meta: Record<string, unknown>,
): Record<string, unknown> {
  const outgoing: Record<string, unknown> = { _meta: meta, ...params };
  outgoing._meta = meta;
  return outgoing;
}
