/** Reads the `Bearer` challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1, RFC 6750 §3). */

/** What a Bearer challenge tells the client. */
export interface BearerChallenge {
  /** `invalid_token`, `insufficient_scope`... */
  error?: string;
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

/** The Bearer challenge of a `WWW-Authenticate` header, or undefined when there is none. */
export function parseBearerChallenge(header: string | null | undefined): BearerChallenge | undefined {
  if (!header || header.length > MAX_HEADER) return undefined;
  const bearer = parseChallenges(header).find((challenge) => challenge.scheme === "bearer");
  if (!bearer) return undefined;
  const result: BearerChallenge = {};
  const error = bearer.params.get("error");
  if (error) result.error = error;
  const scope = bearer.params.get("scope");
  if (scope !== undefined) {
    const scopes = scope.split(" ").filter(Boolean);
    if (scopes.length > 0) result.scopes = scopes;
  }
  const resourceMetadata = bearer.params.get("resource_metadata");
  if (resourceMetadata) result.resourceMetadata = resourceMetadata;
  return result;
}
