/** MCP log levels (RFC 5424 severities). */
import type { LoggingLevel } from "./types.js";

/** Severity order of MCP log levels, lowest first. */
export const LOG_LEVELS: readonly LoggingLevel[] = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
];
