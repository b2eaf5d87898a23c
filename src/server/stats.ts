/**
 * What a server can tell about itself while it runs: counts for dashboards and health checks, and
 * the open sessions. Views only: reading them changes nothing.
 */
import type { ServerKernel } from "./kernel.js";

/** A snapshot of a running server (`mcp.stats()`). */
export interface ServerStats {
  /** Open sessions on every transport (connections, legacy HTTP sessions). */
  sessions: number;
  /** Requests being handled in those sessions (stateless 2026-07-28 exchanges are not counted). */
  inFlight: number;
  /** Open 2026-07-28 `subscriptions/listen` streams. */
  listeners: number;
  /** Task tools (the tasks extension) running on this instance. */
  tasks: number;
  /** Registered components (enabled or not). */
  tools: number;
  resources: number;
  templates: number;
  prompts: number;
}

/** One open session (`mcp.sessions()`). */
export interface SessionInfo {
  /** The session id (legacy HTTP, SSE), else undefined. */
  id: string | undefined;
  /** The transport it came over ("memory", "stdio", "http", "sse", "ws", ...). */
  transport: string;
  /** The negotiated legacy protocol version, once `initialize` succeeded. */
  protocolVersion: string | undefined;
  /** Whether the client sent `notifications/initialized`. */
  initialized: boolean;
  /** Requests being handled. */
  inFlight: number;
  /** The client's name and version from `initialize`. */
  clientInfo: { name: string; version: string } | undefined;
}

export function serverStats(kernel: ServerKernel): ServerStats {
  let inFlight = 0;
  for (const session of kernel.sessions) inFlight += session.inFlight;
  return {
    sessions: kernel.sessions.size,
    inFlight,
    listeners: kernel.hub?.listenerCount ?? 0,
    tasks: kernel.loadedTasks?.running ?? 0,
    tools: kernel.tools.size,
    resources: kernel.resources.size,
    templates: kernel.templates.size,
    prompts: kernel.prompts.size,
  };
}

export function sessionInfos(kernel: ServerKernel): SessionInfo[] {
  return [...kernel.sessions].map(({ state, inFlight }) => ({
    id: state.sessionId,
    transport: state.transport,
    protocolVersion: state.legacy?.protocolVersion,
    initialized: state.legacy?.initialized === true,
    inFlight,
    clientInfo: state.legacy?.clientInfo
      ? { name: state.legacy.clientInfo.name, version: state.legacy.clientInfo.version }
      : undefined,
  }));
}
