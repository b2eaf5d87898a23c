/**
 * Clients of the proxy: RFC 7591 dynamic registration, client ID metadata documents (a `client_id`
 * that is an https URL), and client authentication at the token endpoint.
 */
import type { HttpReply, HttpRequestLike } from "../../../transports/http/exchange.js";
import { fetchClientMetadata, type MetadataFetchOptions } from "./client-metadata.js";
import { randomToken, safeEqual, sha256 } from "./crypto.js";
import { oauthError, oauthJson, readJsonObject } from "./http.js";
import { type ClientRecord, DEFAULTS } from "./options.js";
import { redirectUriProblem } from "./redirect-uris.js";
import type { OAuthProxyStore } from "./store.js";

const AUTH_METHODS = ["none", "client_secret_post", "client_secret_basic"] as const;
const MAX_REDIRECT_URIS = 10;
const MAX_TEXT = 200;
/** How long a fetched metadata document is reused. */
const METADATA_CACHE_MS = 5 * 60 * 1000;

type Outcome<T> = { ok: true; value: T } | { ok: false; reply: HttpReply };

function bad(description: string, error = "invalid_client_metadata"): Outcome<never> {
  return { ok: false, reply: oauthError(400, error, description) };
}

/** Checks registration or metadata-document fields into a client record (without id or secret). */
export function checkClientMetadata(
  body: Record<string, unknown>,
  validScopes: readonly string[] | undefined,
): Outcome<Omit<ClientRecord, "client_id" | "secretHash">> {
  const uris = body.redirect_uris;
  if (!Array.isArray(uris) || uris.length === 0 || uris.length > MAX_REDIRECT_URIS)
    return bad(`redirect_uris must be an array of 1 to ${MAX_REDIRECT_URIS} URLs`, "invalid_redirect_uri");
  for (const uri of uris) {
    const problem = redirectUriProblem(uri);
    if (problem) return bad(`redirect_uri ${problem}`, "invalid_redirect_uri");
  }
  const method = body.token_endpoint_auth_method ?? "client_secret_basic";
  if (!(AUTH_METHODS as readonly unknown[]).includes(method))
    return bad(`token_endpoint_auth_method must be one of ${AUTH_METHODS.join(", ")}`);
  const grants = body.grant_types ?? ["authorization_code"];
  if (
    !Array.isArray(grants) ||
    !grants.includes("authorization_code") ||
    grants.some((g) => g !== "authorization_code" && g !== "refresh_token")
  )
    return bad("grant_types must include authorization_code and may add refresh_token only");
  const responses = body.response_types ?? ["code"];
  if (!Array.isArray(responses) || responses.some((r) => r !== "code"))
    return bad('response_types may only be ["code"]');
  for (const field of ["client_name", "client_uri", "scope"] as const) {
    const value = body[field];
    if (value !== undefined && (typeof value !== "string" || value.length > MAX_TEXT))
      return bad(`${field} must be a string of at most ${MAX_TEXT} characters`);
  }
  if (typeof body.client_uri === "string" && !/^https?:\/\//i.test(body.client_uri))
    return bad("client_uri must be an http(s) URL");
  if (typeof body.scope === "string" && validScopes) {
    const unknown = body.scope.split(" ").filter((s) => s && !validScopes.includes(s));
    if (unknown.length > 0) return bad(`Unknown scopes: ${unknown.join(" ")}`, "invalid_client_metadata");
  }
  return {
    ok: true,
    value: {
      redirect_uris: uris as string[],
      token_endpoint_auth_method: method as ClientRecord["token_endpoint_auth_method"],
      ...(typeof body.client_name === "string" ? { client_name: body.client_name } : {}),
      ...(typeof body.client_uri === "string" ? { client_uri: body.client_uri } : {}),
      ...(typeof body.scope === "string" ? { scope: body.scope } : {}),
    },
  };
}

/** Public view of a client record (what registration answers). */
function describe(record: ClientRecord): Record<string, unknown> {
  const { secretHash: _secret, ...rest } = record;
  return {
    ...rest,
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
  };
}

export class ClientRegistry {
  constructor(
    private readonly store: OAuthProxyStore,
    private readonly validScopes: readonly string[] | undefined,
    private readonly registrationTtlMs: number,
    private readonly metadataDocuments: MetadataFetchOptions | undefined,
  ) {}

  /** `POST /register` (RFC 7591 §3). */
  async register(request: HttpRequestLike): Promise<HttpReply> {
    const body = await readJsonObject(request, DEFAULTS.maxBodyBytes, "invalid_client_metadata");
    if (!body.ok) return body.reply;
    const checked = checkClientMetadata(body.value, this.validScopes);
    if (!checked.ok) return checked.reply;
    const clientId = `mcp_${randomToken(18)}`;
    const secret = checked.value.token_endpoint_auth_method === "none" ? undefined : randomToken();
    const record: ClientRecord = {
      client_id: clientId,
      ...checked.value,
      ...(secret ? { secretHash: sha256(secret) } : {}),
    };
    await this.store.set(`client:${clientId}`, record, this.registrationTtlMs);
    const issuedAt = Math.floor(Date.now() / 1000);
    return oauthJson(201, {
      ...describe(record),
      client_id_issued_at: issuedAt,
      ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
    });
  }

  /** The client with this id: registered, or (an https URL) read from its metadata document. */
  async get(clientId: string): Promise<ClientRecord | undefined> {
    if (clientId.length === 0 || clientId.length > 2000) return undefined;
    if (/^https?:\/\//i.test(clientId)) return this.fromDocument(clientId);
    return this.store.get<ClientRecord>(`client:${clientId}`);
  }

  private async fromDocument(clientId: string): Promise<ClientRecord | undefined> {
    if (!this.metadataDocuments) return undefined;
    const key = `cimd:${sha256(clientId)}`;
    const cached = await this.store.get<ClientRecord>(key);
    if (cached) return cached;
    const document = await fetchClientMetadata(clientId, this.metadataDocuments);
    if (!document || document.client_id !== clientId) return undefined;
    const method = document.token_endpoint_auth_method ?? "none";
    // A document is public: it cannot carry a secret, so only public clients can use one.
    if (method !== "none") return undefined;
    const checked = checkClientMetadata({ ...document, token_endpoint_auth_method: "none" }, undefined);
    if (!checked.ok) return undefined;
    const record: ClientRecord = { client_id: clientId, ...checked.value };
    await this.store.set(key, record, METADATA_CACHE_MS);
    return record;
  }

  /**
   * Authenticates the client at the token endpoint (RFC 6749 §2.3): its registered method, a
   * secret in the form or in Basic auth, or none for a public client. 401 invalid_client otherwise.
   */
  async authenticate(request: HttpRequestLike, form: Map<string, string>): Promise<Outcome<ClientRecord>> {
    const refused = (description: string): Outcome<never> => ({
      ok: false,
      reply: oauthError(401, "invalid_client", description, { "www-authenticate": 'Basic realm="oauth"' }),
    });
    let clientId = form.get("client_id");
    let secret = form.get("client_secret");
    let method: ClientRecord["token_endpoint_auth_method"] =
      secret !== undefined ? "client_secret_post" : "none";
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(request.header("authorization") ?? "");
    if (basic) {
      const decoded = Buffer.from(basic[1] as string, "base64").toString("utf8");
      const at = decoded.indexOf(":");
      if (at < 0 || secret !== undefined) return refused("Malformed client authentication");
      let basicId: string;
      try {
        basicId = decodeURIComponent(decoded.slice(0, at));
        secret = decodeURIComponent(decoded.slice(at + 1));
      } catch {
        return refused("Malformed client authentication");
      }
      if (clientId !== undefined && clientId !== basicId) return refused("client_id does not match");
      clientId = basicId;
      method = "client_secret_basic";
    }
    if (!clientId) return refused("client_id is missing");
    const client = await this.get(clientId);
    if (!client) return refused("Unknown client");
    if (client.token_endpoint_auth_method === "none") {
      if (method !== "none") return refused("This client is public: it has no secret");
      return { ok: true, value: client };
    }
    if (secret === undefined || !client.secretHash || !safeEqual(sha256(secret), client.secretHash))
      return refused("Client authentication failed");
    return { ok: true, value: client };
  }
}
