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
 * 20 an object that starts with a spread gets a hidden class of its own once a key is set after the
 * spread, every one of them, and every later property access on it (JSON.stringify's, node's header
 * loop, a server's when in memory) then misses its cache. Starting with the key, then spreading, and
 * setting the key again does not. (Not `Object.assign`: a peer's own `__proto__` key would set the
 * copy's prototype, where a spread copies it as a plain key.)
 */
export function withKey<T extends object, K extends string, V>(
  object: T,
  key: K,
  value: V,
): Omit<T, K> & Record<K, V> {
  const copy: Record<string, unknown> = { [key]: value, ...object };
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
