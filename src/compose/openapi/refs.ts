/**
 * `$ref`s of an OpenAPI document. Structural references (parameters, request bodies, responses,
 * path items) are followed; schema references are kept as references into a `$defs` section that
 * carries every schema they reach, so recursive schemas stay finite. Only local references
 * (`#/...`) exist here: anything else, a reference to nothing, or a loop of references that never
 * reaches an object is an error at load.
 */
import type { JSONSchema } from "../../schema/standard.js";
import { isObject, setOwn } from "./objects.js";
import { convertSchema } from "./schema-dialect.js";

/** A chain of plain `$ref`s longer than this is a loop or an attack. */
const MAX_REF_HOPS = 64;

/** The value `ref` (`#/a/b`) points at in `document`. */
export function resolvePointer(document: unknown, ref: string): unknown {
  if (!ref.startsWith("#")) {
    throw new TypeError(
      `Unsupported $ref ${JSON.stringify(ref)}: only local references (#/...) are supported`,
    );
  }
  const fragment = decodeFragment(ref);
  if (fragment === "") return document;
  if (!fragment.startsWith("/"))
    throw new TypeError(`Invalid $ref ${JSON.stringify(ref)}: not a JSON pointer`);
  let at: unknown = document;
  for (const raw of fragment.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(at) && /^(0|[1-9][0-9]*)$/.test(key) && Number(key) < at.length) at = at[Number(key)];
    else if (isObject(at) && Object.hasOwn(at, key)) at = at[key];
    else throw new TypeError(`Unresolved $ref ${JSON.stringify(ref)}: nothing at that location`);
  }
  return at;
}

function decodeFragment(ref: string): string {
  try {
    return decodeURIComponent(ref.slice(1));
  } catch {
    throw new TypeError(`Invalid $ref ${JSON.stringify(ref)}: bad percent-encoding`);
  }
}

/** Follows `$ref`s from `value` to the object they end at (parameters, bodies, responses, path items). */
export function deref(document: unknown, value: unknown, what: string): Record<string, unknown> {
  let at = value;
  const seen = new Set<string>();
  while (isObject(at) && typeof at.$ref === "string") {
    if (seen.has(at.$ref) || seen.size >= MAX_REF_HOPS) {
      throw new TypeError(`Cyclic $ref ${JSON.stringify(at.$ref)} in ${what}`);
    }
    seen.add(at.$ref);
    at = resolvePointer(document, at.$ref);
  }
  if (!isObject(at)) throw new TypeError(`${what} must be an object`);
  return at;
}

interface Def {
  name: string;
  schema?: JSONSchema;
  /** The pointers its schema refers to. */
  refs?: Set<string>;
  /** Those it applies to the value itself (through `$ref`, `allOf`, `anyOf`...), not to a part of it. */
  inPlace?: Set<string>;
}

/**
 * Converts the document's schemas to JSON Schema 2020-12 once each, and gathers the `$defs` a
 * schema needs. One per document.
 */
export class SchemaSet {
  private readonly document: unknown;
  private readonly version: "3.0" | "3.1";
  /** Pointer -> its `$defs` name and converted schema (with the pointers it refers to). */
  private readonly defs = new Map<string, Def>();
  private readonly names = new Set<string>();
  /** Pointers already found free of in-place loops (checked once per document). */
  private readonly loopFree = new Set<string>();

  constructor(document: unknown, version: "3.0" | "3.1") {
    this.document = document;
    this.version = version;
  }

  /**
   * `schema` as JSON Schema, its `$ref`s rewritten to `#/$defs/...`, with the set of pointers it
   * refers to directly.
   */
  convert(schema: unknown, where: string): { schema: JSONSchema; refs: Set<string>; inPlace: Set<string> } {
    const refs = new Set<string>();
    const inPlace = new Set<string>();
    const converted = convertSchema(schema, this.version, where, (ref, applies) => {
      refs.add(ref);
      if (applies) inPlace.add(ref);
      return `#/$defs/${this.defName(ref)}`;
    });
    return { schema: converted, refs, inPlace };
  }

  /**
   * The `$defs` holding every schema reachable from `refs` (undefined when there are none). Throws
   * for schemas that refer to themselves without descending into a part of the value (`A` is
   * `allOf: [A]`, or `A` is `B` is `A`): a validator would never finish checking one.
   */
  defsFor(refs: Iterable<string>): Record<string, JSONSchema> | undefined {
    const out: Record<string, JSONSchema> = {};
    const queue = [...refs];
    const reached: string[] = [];
    for (let ref = queue.pop(); ref !== undefined; ref = queue.pop()) {
      const def = this.load(ref);
      if (Object.hasOwn(out, def.name)) continue;
      setOwn(out, def.name, def.schema);
      reached.push(ref);
      for (const next of def.refs as Set<string>) queue.push(next);
    }
    for (const ref of reached) this.checkLoops(ref);
    return reached.length > 0 ? out : undefined;
  }

  /** Depth-first over in-place references from `start`, without recursion; throws on a loop. */
  private checkLoops(start: string): void {
    const done = this.loopFree;
    const path: string[] = [];
    const onPath = new Set<string>();
    const stack: { ref: string; next: Iterator<string> }[] = [];
    const enter = (ref: string) => {
      if (onPath.has(ref)) {
        const loop = [...path.slice(path.indexOf(ref)), ref].join(" -> ");
        throw new TypeError(`Cyclic $ref: ${loop} refers to itself without nesting`);
      }
      if (done.has(ref)) return;
      path.push(ref);
      onPath.add(ref);
      stack.push({ ref, next: (this.load(ref).inPlace as Set<string>).values() });
    };
    enter(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { ref: string; next: Iterator<string> };
      const step = top.next.next();
      if (step.done) {
        stack.pop();
        path.pop();
        onPath.delete(top.ref);
        done.add(top.ref);
      } else enter(step.value);
    }
  }

  /**
   * The schema object a schema stands for once top-level `$ref`s are followed (for reading its
   * `type` and `properties`), or undefined when the references loop.
   */
  target(schema: unknown): Record<string, unknown> | undefined {
    try {
      return deref(this.document, schema, "schema");
    } catch (error) {
      if (/^Cyclic/.test((error as Error).message)) return undefined;
      throw error;
    }
  }

  /**
   * Whether `schema` describes only objects: `type: "object"`, or no type and properties, or
   * every member of its `allOf`/`anyOf`/`oneOf` does.
   */
  isObject(schema: unknown, seen = new Set<unknown>()): boolean {
    const target = this.target(schema);
    if (!target || seen.has(target) || seen.size > 64) return false;
    if (target.type !== undefined) return target.type === "object";
    if (typeof target.properties === "object" && target.properties !== null) return true;
    const members = ["allOf", "anyOf", "oneOf"].flatMap((key) =>
      Array.isArray(target[key]) ? [target[key]] : [],
    );
    // `seen` holds the schemas on the way here: a loop answers false, a shared member is judged each time.
    seen.add(target);
    const all =
      members.length > 0 &&
      members.every((list) => list.length > 0 && list.every((m) => this.isObject(m, seen)));
    seen.delete(target);
    return all;
  }

  private defName(ref: string): string {
    let def = this.defs.get(ref);
    if (!def) {
      // Resolve now, so a reference to nothing fails at load, naming itself.
      resolvePointer(this.document, ref);
      const base =
        decodeFragment(ref)
          .replace(/^\/components\/schemas\//, "")
          .replace(/^\//, "")
          .replace(/[^A-Za-z0-9_.-]+/g, "_") || "root";
      let name = base;
      for (let n = 2; this.names.has(name); n++) name = `${base}_${n}`;
      this.names.add(name);
      def = { name };
      this.defs.set(ref, def);
    }
    return def.name;
  }

  private load(ref: string): Def {
    this.defName(ref);
    const def = this.defs.get(ref) as Def;
    if (def.schema === undefined) {
      const { schema, refs, inPlace } = this.convert(resolvePointer(this.document, ref), `$ref ${ref}`);
      def.schema = schema;
      def.refs = refs;
      def.inPlace = inPlace;
    }
    return def;
  }
}
