import type { Annotations, Resource, ResourceTemplate } from "../../protocol/types.js";
import type { Context } from "../context.js";
import {
  type CommonComponentOptions,
  checkAuthOption,
  checkTags,
  type Entry,
  metaWithTags,
} from "./registry.js";
import { compileUriTemplate, type UriTemplate } from "./uri-template.js";

/** Completes one argument: gets the partial value and the other arguments already given. */
export type Completer = (
  value: string,
  context: { arguments: Record<string, string> },
) => string[] | Promise<string[]>;

export interface ResourceOptions extends CommonComponentOptions {
  /** Defaults to the URI (or template). */
  name?: string;
  mimeType?: string;
  annotations?: Annotations;
  size?: number;
  /** Template only: a completer per variable, for `completion/complete`. */
  complete?: Record<string, Completer>;
}

/** A static resource's handler. */
export type ResourceHandler = (ctx: Context) => unknown;
/** A template's handler: receives the variables matched from the URI. */
export type TemplateHandler<Params = Record<string, string>> = (params: Params, ctx: Context) => unknown;

export interface ResourceEntry extends Entry<Resource> {
  handler: ResourceHandler;
  options: ResourceOptions;
}

export interface TemplateEntry extends Entry<ResourceTemplate> {
  handler: TemplateHandler;
  template: UriTemplate;
  options: ResourceOptions;
}

function describe<W extends { name: string }>(
  wire: W,
  options: ResourceOptions,
  template: boolean,
  tags: readonly string[] | undefined,
): W {
  const target = wire as unknown as Record<string, unknown>;
  if (options.title !== undefined) target.title = options.title;
  if (options.description !== undefined) target.description = options.description;
  if (options.mimeType !== undefined) target.mimeType = options.mimeType;
  if (options.annotations !== undefined) target.annotations = options.annotations;
  if (!template && options.size !== undefined) target.size = options.size;
  if (options.icons !== undefined) target.icons = options.icons;
  const meta = metaWithTags(options._meta, tags);
  if (meta !== undefined) target._meta = meta;
  return wire;
}

/** Characters a URI may hold (RFC 3986) beside %XX escapes, and non-ASCII ones (IRI, RFC 3987). */
const URI_CHAR = /[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=\u{A0}-\u{10FFFF}]/u;

function checkUri(uri: unknown, template: boolean): string {
  if (typeof uri !== "string" || !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri)) {
    throw new TypeError(
      `A resource URI needs a scheme, like config://app or file:///path: got ${String(uri)}`,
    );
  }
  // A template's characters are checked by its compiler (RFC 6570 syntax).
  if (template) return uri;
  for (let at = 0; at < uri.length; at++) {
    const char = String.fromCodePoint(uri.codePointAt(at) as number);
    if (char === "%" ? !/^%[0-9A-Fa-f]{2}/.test(uri.slice(at)) : !URI_CHAR.test(char)) {
      throw new TypeError(
        `Invalid resource URI ${JSON.stringify(uri)}: ${JSON.stringify(char)} at ${at} is not allowed in a URI (percent-encode it)`,
      );
    }
    at += char.length - 1;
  }
  try {
    new URL(uri);
  } catch {
    throw new TypeError(`Invalid resource URI ${JSON.stringify(uri)}: not a valid URI`);
  }
  return uri;
}

export function buildResourceEntry(
  uri: string,
  options: ResourceOptions,
  handler: ResourceHandler,
): ResourceEntry {
  checkUri(uri, false);
  if (typeof handler !== "function") throw new TypeError(`Resource ${uri} needs a handler function`);
  const tags = checkTags(`Resource ${uri}`, options.tags);
  const wire = describe<Resource>({ uri, name: options.name ?? uri }, options, false, tags);
  const auth = checkAuthOption(`Resource ${uri}`, options.auth);
  return { key: uri, enabled: options.enabled ?? true, wire, tags, auth, handler, options };
}

export function buildTemplateEntry(
  uriTemplate: string,
  options: ResourceOptions,
  handler: TemplateHandler,
): TemplateEntry {
  checkUri(uriTemplate, true);
  if (typeof handler !== "function")
    throw new TypeError(`Resource template ${uriTemplate} needs a handler function`);
  const template = compileUriTemplate(uriTemplate);
  for (const name of Object.keys(options.complete ?? {})) {
    if (!template.variables.includes(name)) {
      throw new TypeError(`Resource template ${uriTemplate} has no variable ${name} to complete`);
    }
  }
  const tags = checkTags(`Resource template ${uriTemplate}`, options.tags);
  const wire = describe<ResourceTemplate>(
    { uriTemplate, name: options.name ?? uriTemplate },
    options,
    true,
    tags,
  );
  const auth = checkAuthOption(`Resource template ${uriTemplate}`, options.auth);
  return { key: uriTemplate, enabled: options.enabled ?? true, wire, tags, auth, handler, template, options };
}
