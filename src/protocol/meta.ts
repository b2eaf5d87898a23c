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
 * `{ ...object, [key]: value }`, written so that V8 keeps one hidden class per object shape: on Node
 * 20 an object made by a spread with a key set after it gets a hidden class of its own, every one
 * of them, and every later property access on it (JSON.stringify's, node's header loop, a server's
 * when in memory) then misses its cache. `Object.assign` onto a new object, then the key, does not.
 */
export function withKey<T extends object, K extends string, V>(
  object: T,
  key: K,
  value: V,
): Omit<T, K> & Record<K, V> {
  const copy: Record<string, unknown> = Object.assign({}, object) as Record<string, unknown>;
  copy[key] = value;
  return copy as Omit<T, K> & Record<K, V>;
}

/** `{ ...params, _meta: meta }` (see withKey). */
export function withMeta(
  params: Record<string, unknown>,
  meta: Record<string, unknown>,
): Record<string, unknown> {
  return withKey(params, "_meta", meta);
}
