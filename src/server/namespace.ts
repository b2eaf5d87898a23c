/**
 * Namespaces of mounted and imported servers: tool and prompt `forecast` of namespace `weather`
 * is `weather_forecast`; a resource URI (or template) gets the namespace as its first path
 * segment: `data://today` is `data://weather/today`, `file:///etc/x` is `file://weather//etc/x`.
 */

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const NAMESPACE = /^[A-Za-z0-9_.-]{1,64}$/;

/** Checks a namespace: 1 to 64 of A-Z a-z 0-9 _ - . (it becomes part of tool names and URIs). */
export function checkNamespace(namespace: unknown): string {
  if (typeof namespace !== "string" || !NAMESPACE.test(namespace)) {
    throw new TypeError(
      `Invalid namespace ${JSON.stringify(namespace)}: use 1 to 64 characters from A-Z, a-z, 0-9, "_", "-" and "."`,
    );
  }
  return namespace;
}

/** The checked namespace of `mount()`-like options: `{ namespace }`, or the namespace itself; undefined for none. */
export function namespaceOf(options: { namespace?: string } | string | undefined): string | undefined {
  const namespace = typeof options === "string" ? options : options?.namespace;
  return namespace === undefined ? undefined : checkNamespace(namespace);
}

/** `weather` + `forecast` -> `weather_forecast`. */
export function prefixName(namespace: string, name: string): string {
  return `${namespace}_${name}`;
}

/** `weather_forecast` -> `forecast` under namespace `weather`; undefined when it is not under it. */
export function stripName(namespace: string, name: string): string | undefined {
  const prefix = `${namespace}_`;
  return name.length > prefix.length && name.startsWith(prefix) ? name.slice(prefix.length) : undefined;
}

/** `data://today` -> `data://weather/today`; a URI without `scheme://` becomes `weather/` + it. */
export function prefixUri(namespace: string, uri: string): string {
  const scheme = SCHEME.exec(uri);
  if (!scheme) return `${namespace}/${uri}`;
  return `${scheme[0]}${namespace}/${uri.slice(scheme[0].length)}`;
}

/** The inverse of `prefixUri`; undefined when `uri` is not under `namespace`. */
export function stripUri(namespace: string, uri: string): string | undefined {
  const scheme = SCHEME.exec(uri);
  const head = scheme ? scheme[0] : "";
  const prefix = `${head}${namespace}/`;
  if (!uri.startsWith(prefix)) return undefined;
  return `${head}${uri.slice(prefix.length)}`;
}
