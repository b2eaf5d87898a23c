/**
 * Fetching a client ID metadata document (MCP 2025-11-25, draft-ietf-oauth-client-id-metadata-document):
 * the `client_id` is an https URL whose JSON names the client and its redirect URIs. The URL comes
 * from anyone, so the fetch is fenced: https only, no loopback or private-network address (checked
 * on the address actually connected to, so a DNS answer cannot swap it afterwards), no redirects,
 * a size cap and a deadline.
 */
import type { LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";

export interface MetadataFetchOptions {
  allowPrivateNetwork: boolean;
  timeoutMs: number;
  maxBytes: number;
}

/** Whether an IP address is loopback, private, link-local, unique-local, CGNAT, multicast or unspecified. */
export function isPrivateAddress(address: string): boolean {
  const lower = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  const v4 = mapped ? (mapped[1] as string) : lower;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(v4)) {
    const [a, b] = v4.split(".").map(Number) as [number, number];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      a >= 224
    );
  }
  return (
    lower === "::" ||
    lower === "::1" ||
    lower.startsWith("fc") ||
    lower.startsWith("fd") ||
    lower.startsWith("fe8") ||
    lower.startsWith("fe9") ||
    lower.startsWith("fea") ||
    lower.startsWith("feb") ||
    lower.startsWith("ff")
  );
}

/** Fetches and parses the document; undefined when it cannot be had or is not a JSON object. */
export async function fetchClientMetadata(
  clientId: string,
  options: MetadataFetchOptions,
): Promise<Record<string, unknown> | undefined> {
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" && !(options.allowPrivateNetwork && url.protocol === "http:"))
    return undefined;
  // The spec: a path is required, and no fragment, credentials or dot segments.
  if (url.hash || url.username || url.password || url.pathname === "/") return undefined;
  const { lookup } = await import("node:dns");
  const guarded: LookupFunction = (hostname, lookupOptions, callback) => {
    lookup(hostname, { ...lookupOptions, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 0);
      const allowed = options.allowPrivateNetwork
        ? addresses
        : addresses.filter((a) => !isPrivateAddress(a.address));
      const first = allowed[0];
      if (!first) return callback(new Error("The client metadata host resolves to a private address"), "", 0);
      if (lookupOptions.all) return callback(null, allowed);
      callback(null, first.address, first.family);
    });
  };
  const literal = url.hostname.replace(/^\[|\]$/g, "");
  if (!options.allowPrivateNetwork && /^[\d.]+$|:/.test(literal) && isPrivateAddress(literal))
    return undefined;
  const { request } = url.protocol === "https:" ? await import("node:https") : await import("node:http");
  return new Promise((resolve) => {
    let settled = false;
    const done = (value: Record<string, unknown> | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    const req = request(
      url,
      { method: "GET", lookup: guarded, headers: { accept: "application/json" } },
      (res) => {
        if (res.statusCode !== 200) {
          res.destroy();
          return done(undefined);
        }
        const chunks: Buffer[] = [];
        let total = 0;
        res.on("data", (chunk: Buffer) => {
          total += chunk.length;
          if (total > options.maxBytes) {
            res.destroy();
            return done(undefined);
          }
          chunks.push(chunk);
        });
        res.on("end", () => {
          try {
            const value: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
            done(
              typeof value === "object" && value !== null && !Array.isArray(value)
                ? (value as Record<string, unknown>)
                : undefined,
            );
          } catch {
            done(undefined);
          }
        });
        res.on("error", () => done(undefined));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      done(undefined);
    }, options.timeoutMs);
    req.on("error", () => done(undefined));
    req.end();
  });
}
