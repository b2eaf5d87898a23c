/**
 * Reads the `Bearer` and `DPoP` challenges of a `WWW-Authenticate` header (RFC 9110 §11.6.1,
 * RFC 6750 §3, RFC 9449 §7.1): every provider (OAuth and the token grants) reads them here.
 */

/** What the Bearer (or DPoP) challenge tells the client. */
export interface BearerChallenge {
  /** `invalid_token`, `insufficient_scope`, `use_dpop_nonce`... */
  error?: string;
  /** `dpop` when the error came in a DPoP challenge (absent for Bearer). */
  scheme?: "dpop";
  /** The scopes the server asks for (`scope`, space-separated). */
  scopes?: string[];
  /** Where the protected resource metadata is (RFC 9728 `resource_metadata`). */
  resourceMetadata?: string;
}

/** Longer headers are not read (a hostile server gains nothing by sending a huge one). */
const MAX_HEADER = 16 * 1024;
const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/** Every challenge of the header: scheme (lowercase) and parameters (names lowercase). */
function parseChallenges(header: string): Array<{ scheme: string; params: Map<string, string> }> {
  const challenges: Array<{ scheme: string; params: Map<string, string> }> = [];
  let i = 0;
  const readToken = () => {
    const start = i;
    while (i < header.length && TOKEN.test(header[i]!)) i++;
    return header.slice(start, i);
  };
  const skipSpaces = () => {
    while (header[i] === " " || header[i] === "\t") i++;
  };
  while (i < header.length) {
    while (i < header.length && /[\s,]/.test(header[i]!)) i++;
    const token = readToken();
    if (!token) {
      i++; // a character no rule allows: step over it
      continue;
    }
    skipSpaces();
    if (header[i] !== "=") {
      challenges.push({ scheme: token.toLowerCase(), params: new Map() });
      continue;
    }
    i++;
    skipSpaces();
    let value = "";
    if (header[i] === '"') {
      i++;
      while (i < header.length && header[i] !== '"') {
        if (header[i] === "\\" && i + 1 < header.length) i++;
        value += header[i];
        i++;
      }
      i++;
    } else {
      value = readToken();
      while (header[i] === "=") value += header[i++]; // token68 padding
    }
    const current = challenges.at(-1);
    const name = token.toLowerCase();
    if (current && !current.params.has(name)) current.params.set(name, value);
  }
  return challenges;
}

/**
 * What the server's challenge tells the client: read from its `Bearer` and `DPoP` challenges (RFC
 * 6750 §3, RFC 9449 §7.1). The `error` (with its scheme) is the first one either carries, so a
 * `DPoP error="use_dpop_nonce"` is seen beside a `Bearer resource_metadata=...`; `scopes` and
 * `resourceMetadata` are the first each gives. Undefined when the header has neither scheme.
 */
export function parseBearerChallenge(header: string | null | undefined): BearerChallenge | undefined {
  if (!header || header.length > MAX_HEADER) return undefined;
  const ours = parseChallenges(header).filter(
    (challenge) => challenge.scheme === "bearer" || challenge.scheme === "dpop",
  );
  if (ours.length === 0) return undefined;
  const result: BearerChallenge = {};
  const failed = ours.find((challenge) => challenge.params.get("error"));
  if (failed) {
    result.error = failed.params.get("error") as string;
    if (failed.scheme === "dpop") result.scheme = "dpop";
  }
  const scope = ours.map((challenge) => challenge.params.get("scope")).find((value) => value?.trim());
  if (scope !== undefined) result.scopes = scope.split(" ").filter(Boolean);
  const resourceMetadata = ours.map((c) => c.params.get("resource_metadata")).find(Boolean);
  if (resourceMetadata) result.resourceMetadata = resourceMetadata;
  return result;
}
