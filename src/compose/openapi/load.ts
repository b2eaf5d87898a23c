/**
 * Reading an OpenAPI document: a parsed object, JSON or YAML text, or a URL to fetch. YAML needs the
 * optional `yaml` package, loaded only when YAML text is given.
 */
import { readLimited } from "../../protocol/read-limited.js";

/** What `fromOpenAPI` accepts as the document. */
export type OpenAPISource = Record<string, unknown> | string | URL;

/** An OpenAPI 3.0 or 3.1 document, as parsed. Only the parts we read are typed. */
export interface OpenAPIDocument {
  openapi: string;
  info?: { title?: string; version?: string; description?: string };
  servers?: { url?: string; variables?: Record<string, { default?: string }> }[];
  paths?: Record<string, unknown>;
  components?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface LoadedDocument {
  document: OpenAPIDocument;
  /** "3.0" documents use OpenAPI's schema dialect (`nullable`, boolean `exclusiveMinimum`). */
  version: "3.0" | "3.1";
  /** Where the document came from, when fetched: relative server URLs resolve against it. */
  url: URL | undefined;
}

/** A spec larger than this is refused (a hostile or mistaken URL must not fill memory). */
const MAX_SPEC_BYTES = 32 * 1024 * 1024;

function isUrlText(text: string): boolean {
  return /^https?:\/\/\S+$/i.test(text);
}

export async function loadDocument(source: OpenAPISource, fetchImpl: typeof fetch): Promise<LoadedDocument> {
  let url: URL | undefined;
  let parsed: unknown = source;
  if (source instanceof URL || (typeof source === "string" && isUrlText(source.trim()))) {
    url = new URL(String(source).trim());
    parsed = await parseText(await fetchSpec(url, fetchImpl));
  } else if (typeof source === "string") {
    parsed = await parseText(source);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new TypeError("fromOpenAPI: the OpenAPI document must be an object");
  }
  const document = parsed as OpenAPIDocument;
  const declared = document.openapi;
  if (typeof declared !== "string") {
    const swagger = (document as { swagger?: unknown }).swagger;
    throw new TypeError(
      swagger === undefined
        ? "fromOpenAPI: not an OpenAPI document (no `openapi` version field)"
        : `fromOpenAPI: Swagger ${String(swagger)} is not supported; convert the document to OpenAPI 3`,
    );
  }
  const version = /^3\.0(\.|$)/.test(declared) ? "3.0" : /^3\.\d+(\.|$)/.test(declared) ? "3.1" : undefined;
  if (!version) throw new TypeError(`fromOpenAPI: OpenAPI ${declared} is not supported (3.0 and 3.1 are)`);
  if (document.paths !== undefined && (typeof document.paths !== "object" || document.paths === null)) {
    throw new TypeError("fromOpenAPI: the document's `paths` must be an object");
  }
  return { document, version, url };
}

async function fetchSpec(url: URL, fetchImpl: typeof fetch): Promise<string> {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      headers: { accept: "application/json, application/yaml;q=0.9, */*;q=0.5" },
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new Error(`fromOpenAPI: cannot fetch the OpenAPI document at ${url}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new Error(`fromOpenAPI: fetching the OpenAPI document at ${url} answered ${response.status}`);
  }
  return readLimited(
    response.body,
    response.headers.get("content-length"),
    MAX_SPEC_BYTES,
    () => new Error(`fromOpenAPI: the OpenAPI document at ${url} is larger than ${MAX_SPEC_BYTES} bytes`),
  );
}

async function parseText(text: string): Promise<unknown> {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    try {
      return JSON.parse(trimmed);
    } catch (error) {
      throw new TypeError(`fromOpenAPI: the OpenAPI document is not valid JSON: ${(error as Error).message}`);
    }
  }
  let yaml: typeof import("yaml");
  try {
    yaml = await import("yaml");
  } catch (error) {
    throw new Error(
      'fromOpenAPI: a YAML OpenAPI document needs the optional package "yaml" (npm install yaml), or give the document as JSON or as an object',
      { cause: error },
    );
  }
  try {
    // Aliases are capped (yaml's default 100) so a "billion laughs" document cannot blow up.
    return yaml.parse(trimmed, { maxAliasCount: 100 });
  } catch (error) {
    throw new TypeError(`fromOpenAPI: the OpenAPI document is not valid YAML: ${(error as Error).message}`);
  }
}

/**
 * The base URL of the API: the option, else the document's first server (its variables at their
 * defaults; a relative one resolved against the document's own URL).
 */
export function resolveBaseUrl(loaded: LoadedDocument, option: string | URL | undefined): URL {
  let text: string;
  if (option !== undefined) text = String(option);
  else {
    const server = loaded.document.servers?.[0];
    if (typeof server?.url !== "string") {
      throw new TypeError("fromOpenAPI: give baseUrl (the document names no servers)");
    }
    text = server.url.replace(/\{([^}]+)\}/g, (whole, name: string) => {
      const value = server.variables?.[name]?.default;
      return typeof value === "string" ? value : whole;
    });
  }
  let base: URL;
  try {
    base = loaded.url ? new URL(text, loaded.url) : new URL(text);
  } catch {
    throw new TypeError(`fromOpenAPI: the base URL ${text} is not an absolute http(s) URL; give baseUrl`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new TypeError(`fromOpenAPI: the base URL ${text} must be http or https`);
  }
  if (base.search || base.hash)
    throw new TypeError(`fromOpenAPI: the base URL ${text} must have no query or fragment`);
  return base;
}
