/** Protocol constants of the raw-wire tests: the two era versions and a modern request's `_meta`. */

/** The stateless era's version. */
export const MODERN = "2026-07-28";

/** The newest initialize-based version. */
export const LEGACY = "2025-11-25";

/** The `_meta` a 2026-07-28 request carries in place of an initialize handshake. */
export const META = {
  "io.modelcontextprotocol/protocolVersion": MODERN,
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
};
