/** Protocol revisions and the era each belongs to. */

/** Stateless revisions: version, capabilities and identity travel in every request's `_meta`. */
export const MODERN_PROTOCOL_VERSIONS = ["2026-07-28"] as const;

/** Initialize-based revisions, newest first. */
export const LEGACY_PROTOCOL_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"] as const;

/** Every revision fastmcp-ts speaks, newest first. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = [
  ...MODERN_PROTOCOL_VERSIONS,
  ...LEGACY_PROTOCOL_VERSIONS,
];

export const LATEST_PROTOCOL_VERSION = MODERN_PROTOCOL_VERSIONS[0];
export const LATEST_LEGACY_PROTOCOL_VERSION = LEGACY_PROTOCOL_VERSIONS[0];

export type ProtocolVersion =
  | (typeof MODERN_PROTOCOL_VERSIONS)[number]
  | (typeof LEGACY_PROTOCOL_VERSIONS)[number];
export type Era = "modern" | "legacy";

const modern: ReadonlySet<string> = new Set(MODERN_PROTOCOL_VERSIONS);
const legacy: ReadonlySet<string> = new Set(LEGACY_PROTOCOL_VERSIONS);

export function isModernVersion(version: string): boolean {
  return modern.has(version);
}

export function isLegacyVersion(version: string): boolean {
  return legacy.has(version);
}

export function eraOf(version: string): Era | undefined {
  if (modern.has(version)) return "modern";
  if (legacy.has(version)) return "legacy";
  return undefined;
}

/**
 * The version a server answers `initialize` with: the client's own when we speak it, else our
 * newest legacy revision (the client then decides whether it can go on).
 */
export function negotiateLegacyVersion(requested: unknown): string {
  return typeof requested === "string" && legacy.has(requested) ? requested : LATEST_LEGACY_PROTOCOL_VERSION;
}
