/** The error of `listen()` when the server cannot bind: names the host and port in plain words. */
import { FastMCPError } from "../../errors.js";

/** Plain words for the errors a bind commonly meets. */
const REASONS = {
  EADDRINUSE: "the port is already in use (stop the other server or choose another port)",
  EACCES: "permission denied (ports below 1024 need privileges)",
  EADDRNOTAVAIL: "this machine has no such address",
  ENOTFOUND: "the host name does not resolve",
  EAI_AGAIN: "the host name does not resolve",
} as const;

/**
 * Why a server could not listen, with the host and port it tried; `cause` is node's error.
 * `run()` prints its message alone, without a stack, and exits with code 1.
 */
export class ListenError extends FastMCPError {
  override name = "ListenError";
  readonly host: string;
  readonly port: number;
  readonly code: string | undefined;

  constructor(cause: unknown, host: string, port: number) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    const where = `${host.includes(":") ? `[${host}]` : host}:${port}`;
    const why =
      (code !== undefined && Object.hasOwn(REASONS, code)
        ? REASONS[code as keyof typeof REASONS]
        : undefined) ??
      (cause as Error | undefined)?.message ??
      String(cause);
    super(`Cannot listen on ${where}: ${why}`, { cause });
    this.host = host;
    this.port = port;
    this.code = code;
  }
}
