/** The client transport for a URL: WebSocket for ws(s)://, legacy SSE for paths ending in /sse, else Streamable HTTP. */
import { ClientError } from "../errors.js";
import type { ClientTransport } from "./base.js";
import type { RemoteServerConfig } from "./config.js";
import { SSETransport } from "./sse/client.js";
import { StreamableHttpTransport } from "./streamable-http/client.js";
import { WSTransport } from "./ws/client.js";

const ACCEPTED_URLS =
  "a ws:// or wss:// URL; an http(s):// URL (ending in /sse for the legacy SSE transport)";

/**
 * Picks the transport for a URL by its scheme and path, or the one `config.transport` names;
 * `accepted` lists what the caller accepts, for the error on another scheme.
 */
export function transportForUrl(
  url: string,
  config: Partial<RemoteServerConfig> = {},
  accepted: string = ACCEPTED_URLS,
): ClientTransport {
  const parsed = new URL(url);
  const headers = config.headers ? { headers: config.headers } : {};
  const kind = config.transport;
  if (kind === "ws" || (!kind && (parsed.protocol === "ws:" || parsed.protocol === "wss:"))) {
    return new WSTransport({ url, ...headers });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new ClientError(`Unsupported URL scheme ${parsed.protocol} in ${url}; accepted: ${accepted}`);
  }
  if (kind === "sse" || (!kind && /\/sse\/?$/.test(parsed.pathname)))
    return new SSETransport({ url, ...headers });
  return new StreamableHttpTransport({ url, ...headers });
}
