/**
 * Where `OAuth` keeps what it learned for a server between requests and runs: tokens, and the
 * client registration at each authorization server. `MemoryTokenStorage` (the default) forgets on
 * exit; `FileTokenStorage` writes one private file per server; user code may implement
 * {@link TokenStorage} over a keychain or a database.
 */
import { randomHex, sha256Hex } from "./pkce.js";

/** Tokens from the token endpoint, with the absolute expiry computed when they arrived. */
export interface StoredTokens {
  accessToken: string;
  /** Usually `Bearer`. */
  tokenType: string;
  refreshToken?: string;
  /** When the access token expires, ms since the epoch (absent when the server gave no `expires_in`). */
  expiresAt?: number;
  /** The scopes asked for (space-separated in the request). */
  requestedScopes: string[];
  /** The scopes granted (the token response's `scope`, else those requested). */
  grantedScopes: string[];
  /** The authorization server that issued them (its issuer identifier). */
  issuer: string;
  /** The `resource` (RFC 8707) they were issued for. */
  resource: string;
  /** Where to refresh them. */
  tokenEndpoint?: string;
}

/** A client identity at one authorization server: registered (RFC 7591), preregistered or a metadata URL. */
export interface StoredClient {
  clientId: string;
  clientSecret?: string;
  /** `client_secret_basic`, `client_secret_post` or `none`, as registered. */
  tokenEndpointAuthMethod?: string;
  /** The redirect URIs it was registered with. */
  redirectUris?: string[];
  /** When the client secret expires, ms since the epoch (RFC 7591 `client_secret_expires_at`). */
  secretExpiresAt?: number;
}

/** What is stored for one MCP server URL. */
export interface StoredOAuthState {
  tokens?: StoredTokens;
  /** Client identities by authorization server issuer: never presented to another server. */
  clients?: Record<string, StoredClient>;
}

/**
 * Persistence for `OAuth`, keyed by MCP server URL. Values are plain JSON data.
 *
 * @example
 * ```ts
 * const storage: TokenStorage = new FileTokenStorage(join(homedir(), ".my-app", "oauth"));
 * new Client(url, { auth: new OAuth({ tokenStorage: storage }) });
 * ```
 */
export interface TokenStorage {
  get(serverUrl: string): Promise<StoredOAuthState | undefined>;
  set(serverUrl: string, state: StoredOAuthState): Promise<void>;
  delete(serverUrl: string): Promise<void>;
}

/** Keeps state in this process only (the default). */
export class MemoryTokenStorage implements TokenStorage {
  private readonly entries = new Map<string, string>();

  async get(serverUrl: string): Promise<StoredOAuthState | undefined> {
    const text = this.entries.get(serverUrl);
    // A copy, so that a caller's edits never change what is stored.
    return text === undefined ? undefined : (JSON.parse(text) as StoredOAuthState);
  }

  async set(serverUrl: string, state: StoredOAuthState): Promise<void> {
    this.entries.set(serverUrl, JSON.stringify(state));
  }

  async delete(serverUrl: string): Promise<void> {
    this.entries.delete(serverUrl);
  }
}

/**
 * Keeps state in `dir`, one JSON file per server URL (named by its SHA-256), readable by the
 * current user only: the directory is made with mode 0700 and each file written with 0600,
 * atomically (a temporary file renamed over the old one).
 *
 * @example
 * ```ts
 * new OAuth({ tokenStorage: new FileTokenStorage(join(homedir(), ".my-app", "oauth")) });
 * ```
 */
export class FileTokenStorage implements TokenStorage {
  readonly dir: string;

  constructor(dir: string) {
    if (typeof dir !== "string" || dir.length === 0)
      throw new TypeError("FileTokenStorage needs a directory");
    this.dir = dir;
  }

  /** The file that holds a server's state. */
  async pathFor(serverUrl: string): Promise<string> {
    const { join } = await import("node:path");
    return join(this.dir, `${await sha256Hex(serverUrl)}.json`);
  }

  async get(serverUrl: string): Promise<StoredOAuthState | undefined> {
    const { readFile } = await import("node:fs/promises");
    let text: string;
    try {
      text = await readFile(await this.pathFor(serverUrl), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as { serverUrl?: unknown; state?: StoredOAuthState };
      // The file names only a hash: the URL inside guards against a collision or a copied file.
      return parsed.serverUrl === serverUrl ? parsed.state : undefined;
    } catch {
      return undefined; // a damaged file means no stored state, not a failed request
    }
  }

  async set(serverUrl: string, state: StoredOAuthState): Promise<void> {
    const { chmod, mkdir, rename, writeFile } = await import("node:fs/promises");
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    const path = await this.pathFor(serverUrl);
    const temporary = `${path}.${randomHex(6)}.tmp`;
    await writeFile(temporary, JSON.stringify({ serverUrl, state }), { mode: 0o600, flag: "wx" });
    await rename(temporary, path);
  }

  async delete(serverUrl: string): Promise<void> {
    const { rm } = await import("node:fs/promises");
    await rm(await this.pathFor(serverUrl), { force: true });
  }
}
