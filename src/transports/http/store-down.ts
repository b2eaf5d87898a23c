/**
 * The answer to a request that needed a scaled-out server's shared store while the store could not
 * be reached: 503 with Retry-After, and the outage said once a minute on stderr, not per request.
 */
import type { RequestId } from "../../protocol/types.js";
import { errorReply, type HttpReply } from "./exchange.js";

/** A request that needed the shared store while it could not be reached: 503, and the client may retry. */
export function storeDown(error: unknown, id: RequestId | null): HttpReply {
  warnStoreDown(error);
  return errorReply(
    503,
    -32000,
    "Service Unavailable: the session store cannot be reached; retry later",
    id,
    {
      "retry-after": "1",
    },
  );
}

let warnedAt = 0;
/** Says so on stderr at most once a minute, not once per request. */
export function warnStoreDown(error: unknown): void {
  const now = Date.now();
  if (now - warnedAt < 60_000) return;
  warnedAt = now;
  console.warn(
    "[fastmcp-ts] the session store cannot be reached:",
    error instanceof Error ? error.message : error,
  );
}
