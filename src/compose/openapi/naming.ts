/**
 * Component names from OpenAPI operations: the `operationId` (up to its first `__`, as Python
 * FastMCP does for FastAPI's generated ids) or the method and path, made to fit the MCP tool-name
 * rules (1 to 128 of A-Z a-z 0-9 _ . -; we keep 56 like Python FastMCP, room for a namespace), and
 * unique within one document.
 */

/** Python FastMCP's limit: short enough for a mount namespace to fit within the MCP 128. */
const MAX_NAME = 56;

/** `text` with runs of characters outside the tool-name alphabet (and of `_`) replaced by one `_`. */
export function slugify(text: string): string {
  const slug = text
    .replace(/[^A-Za-z0-9_.-]+/g, "_")
    .replace(/__+/g, "_")
    .replace(/^[_.-]+|[_.-]+$/g, "")
    .slice(0, MAX_NAME)
    .replace(/[_.-]+$/, "");
  return slug;
}

/** The name an operation would get before duplicates are numbered. */
export function baseName(
  operationId: string | undefined,
  method: string,
  path: string,
  overrides: Readonly<Record<string, string>> | undefined,
): string {
  if (operationId !== undefined && overrides && Object.hasOwn(overrides, operationId)) {
    const chosen = slugify(overrides[operationId] as string);
    if (chosen) return chosen;
  }
  if (operationId !== undefined) {
    const cut = operationId.split("__")[0] as string;
    const slug = slugify(cut || operationId);
    if (slug) return slug;
  }
  return slugify(`${method.toLowerCase()}_${path}`) || method.toLowerCase();
}

/** Hands out names unique among those it has handed out: `name`, then `name_2`, `name_3`... */
export class UniqueNames {
  private readonly taken = new Set<string>();

  claim(name: string): string {
    let unique = name;
    for (let n = 2; this.taken.has(unique); n++) {
      const suffix = `_${n}`;
      unique = name.slice(0, MAX_NAME - suffix.length) + suffix;
    }
    this.taken.add(unique);
    return unique;
  }
}
