/** The target of one upstream connection: the proxy's target, with the caller's forwarded headers. */
import type { ClientTarget } from "../../client/detect.js";
import { transportForUrl } from "../../transports/url.js";
import { remoteOf } from "../forward-check.js";

/**
 * The target of a connection. Without forwarded headers it is the proxy's own target; with them
 * (even none present) it must be a URL, or a single-server config with a url, whose transport then
 * sends them on every request of that connection.
 */
export function targetFor(target: ClientTarget, headers: Record<string, string> | undefined): ClientTarget {
  if (headers === undefined) return target;
  const remote = remoteOf(target);
  if (!remote) {
    throw new TypeError(
      "forwardHeaders needs an HTTP upstream (a URL, or an mcpServers config with one server that has a url)",
    );
  }
  return transportForUrl(remote.url, { ...remote, headers: { ...remote.headers, ...headers } });
}
