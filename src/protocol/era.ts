/**
 * Era classification of one incoming request: a modern request carries the 2026-07-28 `_meta`
 * envelope; anything else is served under the legacy revision its session negotiated.
 */
import { McpError } from "../errors.js";
import { ErrorCode } from "./codes.js";
import { LOG_LEVELS } from "./logging.js";
import { MetaKey } from "./meta.js";
import type { ClientCapabilities, Implementation, LoggingLevel } from "./types.js";
import { type Era, isModernVersion, SUPPORTED_PROTOCOL_VERSIONS } from "./versions.js";

/**
 * What an `initialize` fixed for a legacy session. Sessions in the same state share one frozen
 * copy (shared-json.ts): a change (`notifications/initialized`, `logging/setLevel`) replaces it.
 */
export interface LegacyState {
  protocolVersion: string;
  clientCapabilities: ClientCapabilities;
  clientInfo: Implementation | undefined;
  /** Set by `logging/setLevel`; undefined sends every level. */
  logLevel: LoggingLevel | undefined;
  /** `notifications/initialized` arrived. */
  initialized: boolean;
}

export interface EraScope {
  era: Era;
  protocolVersion: string;
  clientCapabilities: ClientCapabilities;
  clientInfo: Implementation | undefined;
  logLevel: LoggingLevel | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** True when the request claims a protocol version in its `_meta` (a 2026-07-28-style request). */
export function hasModernClaim(params: Record<string, unknown> | undefined): boolean {
  const meta = params?._meta;
  return isRecord(meta) && MetaKey.ProtocolVersion in meta;
}

function invalidMeta(message: string): McpError {
  return new McpError(ErrorCode.InvalidParams, message);
}

/** Reads and checks the 2026-07-28 envelope; throws -32602 or -32022 as the spec says. */
export function modernScope(meta: Record<string, unknown>): EraScope {
  const version = meta[MetaKey.ProtocolVersion];
  if (typeof version !== "string") throw invalidMeta(`_meta["${MetaKey.ProtocolVersion}"] must be a string`);
  if (!isModernVersion(version)) {
    throw new McpError(ErrorCode.UnsupportedProtocolVersion, `Unsupported protocol version: ${version}`, {
      supported: [...SUPPORTED_PROTOCOL_VERSIONS],
      requested: version,
    });
  }
  const capabilities = meta[MetaKey.ClientCapabilities];
  if (!isRecord(capabilities)) {
    throw invalidMeta(`Missing required _meta["${MetaKey.ClientCapabilities}"] (an object)`);
  }
  const clientInfo = meta[MetaKey.ClientInfo];
  if (clientInfo !== undefined && !isRecord(clientInfo)) {
    throw invalidMeta(`_meta["${MetaKey.ClientInfo}"] must be an object`);
  }
  const logLevel = meta[MetaKey.LogLevel];
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel as LoggingLevel)) {
    throw invalidMeta(`_meta["${MetaKey.LogLevel}"] must be one of ${LOG_LEVELS.join(", ")}`);
  }
  return {
    era: "modern",
    protocolVersion: version,
    clientCapabilities: capabilities as ClientCapabilities,
    clientInfo: clientInfo as Implementation | undefined,
    logLevel: logLevel as LoggingLevel | undefined,
  };
}

/** The scope of a request: modern when it carries the envelope, else the session's legacy one. */
export function resolveScope(
  params: Record<string, unknown> | undefined,
  legacy: LegacyState | undefined,
): EraScope {
  const meta = params?._meta;
  if (isRecord(meta) && MetaKey.ProtocolVersion in meta) return modernScope(meta);
  if (legacy) {
    return {
      era: "legacy",
      protocolVersion: legacy.protocolVersion,
      clientCapabilities: legacy.clientCapabilities,
      clientInfo: legacy.clientInfo,
      logLevel: legacy.logLevel,
    };
  }
  throw invalidMeta(
    `Missing required _meta["${MetaKey.ProtocolVersion}"]: 2026-07-28 requests carry the protocol version, ` +
      "client capabilities and client info in _meta; earlier revisions must send initialize first",
  );
}
