/**
 * Tool transformation: the same tool under a new name, description or argument shape. The new
 * schema and the argument mapping are built once, here; a call maps the client's arguments back to
 * the original names (arg-mapping.ts, with the serving code) and then runs the original validator
 * and handler, so Standard Schema and JSON Schema tools behave alike and the output schema is
 * untouched.
 */
import type { Tool, ToolAnnotations } from "../../protocol/types.js";
import { checkComponentName, checkTags, metaWithTags } from "./registry.js";
import type { ArgumentMapping, ToolEntry } from "./tools.js";

/** How one argument changes, keyed by its current name in `args`. */
export interface ArgTransform {
  /** The name clients see and send. */
  name?: string;
  /** Replaces the argument's description in the schema. */
  description?: string;
  /** Listed as the argument's default, makes it optional, and is passed when the client leaves it out. */
  default?: unknown;
  /**
   * Removes the argument from the schema; the tool always gets `default` (what a client sends
   * under that name is ignored). A required argument needs a `default` to be hidden.
   */
  hide?: boolean;
}

/** What `transformTool` changes; everything not given stays as the tool had it. */
export interface TransformToolOptions {
  /** The name the tool is listed and called under (the old name stops answering). */
  name?: string;
  title?: string;
  description?: string;
  /** Per argument, by the tool's current argument name. */
  args?: Record<string, ArgTransform>;
  /** Replaces the tool's tags. */
  tags?: readonly string[];
  /** Merged over the tool's annotations. */
  annotations?: ToolAnnotations;
}

type Schema = Record<string, unknown>;

/** The property schema as an object that can carry a description or a default. */
function editable(property: unknown): Schema {
  if (typeof property === "object" && property !== null) return { ...(property as Schema) };
  return property === false ? { not: {} } : {};
}

/** Builds the transformed tool's entry from the tool as it is registered now; throws TypeError on a bad spec. */
export function transformToolEntry(base: ToolEntry, options: TransformToolOptions): ToolEntry {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`transformTool(${base.key}) takes an options object`);
  }
  const name = checkComponentName("tool", options.name ?? base.key);
  const what = `transformTool(${base.key})`;
  const schema = base.wire.inputSchema;
  const properties = (
    typeof schema.properties === "object" && schema.properties !== null ? schema.properties : {}
  ) as Schema;
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  const specs = options.args ?? {};

  const fromNew = new Map<string, string>();
  const toNew = new Map<string, string>();
  // Original names a client cannot set directly: renamed away or hidden.
  const claimed = new Set<string>();
  const fills: [string, unknown][] = [];
  const fixed: [string, unknown][] = [];
  for (const [old, spec] of Object.entries(specs)) {
    if (!Object.hasOwn(properties, old)) {
      const known = Object.keys(properties);
      throw new TypeError(
        `${what}: the tool has no argument ${old} (its arguments: ${known.length ? known.join(", ") : "none"})`,
      );
    }
    if (typeof spec !== "object" || spec === null) {
      throw new TypeError(`${what}: args.${old} must be an object`);
    }
    if (spec.hide) {
      if (spec.default === undefined && required.includes(old)) {
        throw new TypeError(`${what}: argument ${old} is required, so hiding it needs a default`);
      }
      claimed.add(old);
      if (spec.default !== undefined) fixed.push([old, spec.default]);
      continue;
    }
    if (spec.name !== undefined && spec.name !== old) {
      if (typeof spec.name !== "string" || spec.name === "") {
        throw new TypeError(`${what}: args.${old}.name must be a non-empty string`);
      }
      if (fromNew.has(spec.name)) throw new TypeError(`${what}: two arguments would be named ${spec.name}`);
      fromNew.set(spec.name, old);
      toNew.set(old, spec.name);
      claimed.add(old);
    }
    if (spec.default !== undefined) fills.push([old, spec.default]);
  }
  const newProperties: Schema = {};
  for (const [old, property] of Object.entries(properties)) {
    const spec = specs[old];
    if (!spec) {
      newProperties[old] = property;
      continue;
    }
    if (spec.hide) continue;
    const target = toNew.get(old) ?? old;
    let edited = property;
    if (spec.description !== undefined || spec.default !== undefined) {
      const changed = editable(property);
      if (spec.description !== undefined) changed.description = spec.description;
      if (spec.default !== undefined) changed.default = spec.default;
      edited = changed;
    }
    newProperties[target] = edited;
  }
  // A new name may not take the name of an argument that keeps it.
  for (const target of fromNew.keys()) {
    if (Object.hasOwn(properties, target) && !claimed.has(target)) {
      throw new TypeError(`${what}: two arguments would be named ${target}`);
    }
  }

  const inputSchema: Tool["inputSchema"] = { ...schema, properties: newProperties };
  const stillRequired = required
    .filter((arg) => !specs[arg]?.hide && specs[arg]?.default === undefined)
    .map((arg) => toNew.get(arg) ?? arg);
  if (stillRequired.length > 0) inputSchema.required = stillRequired;
  else delete inputSchema.required;

  const tags = options.tags === undefined ? base.tags : checkTags(what, options.tags);
  const wire: Tool = { ...base.wire, name, inputSchema };
  if (options.title !== undefined) wire.title = options.title;
  if (options.description !== undefined) wire.description = options.description;
  if (options.annotations !== undefined)
    wire.annotations = { ...base.wire.annotations, ...options.annotations };
  const meta = metaWithTags(base.options._meta, tags);
  if (meta === undefined) delete wire._meta;
  else wire._meta = meta;

  const transform: ArgumentMapping | undefined =
    claimed.size > 0 || fills.length > 0
      ? { fromNew, toNew, claimed, fills, fixed, inner: base.transform }
      : base.transform;
  // Kept in step with the wire so that transforming the transformed tool again starts from it.
  const own: ToolEntry["options"] = { ...base.options };
  if (wire.title !== undefined) own.title = wire.title;
  if (wire.description !== undefined) own.description = wire.description;
  if (wire.annotations !== undefined) own.annotations = wire.annotations;
  if (tags !== undefined) own.tags = tags;
  else delete own.tags;
  return { ...base, key: name, wire, tags, transform, options: own };
}
