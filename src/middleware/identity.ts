/** Who is calling, as the built-in middleware key their per-client state. */
import type { MiddlewareContext } from "../server/middleware.js";

/**
 * The caller's identity: the verified token's client id or subject, else the session id, else
 * `"*"` (one shared identity: stdio and in-memory connections without a session id).
 */
export function callerIdentity(ctx: Pick<MiddlewareContext, "auth" | "sessionId">): string {
  const auth = ctx.auth;
  if (auth?.clientId) return `client:${auth.clientId}`;
  const subject = auth?.claims?.sub;
  if (typeof subject === "string" && subject) return `subject:${subject}`;
  if (ctx.sessionId) return `session:${ctx.sessionId}`;
  return "*";
}

/** What a request is about, for reports: a tool or prompt name, or a resource URI. */
export function requestTarget(params: Record<string, unknown>): string | undefined {
  const target = params.name ?? params.uri;
  return typeof target === "string" ? target : undefined;
}
