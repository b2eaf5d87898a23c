/**
 * OpenAPI schema objects as JSON Schema 2020-12 (what MCP tool schemas are and what our validator
 * reads). 3.1 schemas already are; 3.0's own dialect differs in `nullable`, boolean
 * `exclusiveMinimum`/`exclusiveMaximum`, and `$ref`s whose siblings are ignored. Only keywords that
 * hold schemas are walked, so an `example` or `default` value is copied as data, never rewritten.
 */
import type { JSONSchema } from "../../schema/standard.js";
import { isObject, setOwn } from "./objects.js";

/** Deeper than this is not a schema anybody writes by hand: refused rather than risking the stack. */
const MAX_DEPTH = 128;

/** Keywords whose value is one schema. */
const SCHEMA_KEYWORDS = [
  "additionalProperties",
  "items",
  "not",
  "if",
  "then",
  "else",
  "contains",
  "propertyNames",
  "unevaluatedProperties",
  "unevaluatedItems",
  "additionalItems",
] as const;
/** Keywords whose value is an array of schemas. */
const SCHEMA_LIST_KEYWORDS = ["allOf", "anyOf", "oneOf", "prefixItems", "items"] as const;
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAP_KEYWORDS = [
  "properties",
  "patternProperties",
  "dependentSchemas",
  "$defs",
  "definitions",
] as const;

/** Keywords that apply their schemas to the value itself rather than to a part of it. */
const IN_PLACE = new Set(["allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas"]);

/**
 * A converted copy of `schema`. `onRef` gets each `$ref` met and returns what it is rewritten to.
 * Throws a TypeError naming `where` for something that is not a schema.
 */
export function convertSchema(
  schema: unknown,
  version: "3.0" | "3.1",
  where: string,
  onRef: (ref: string, inPlace: boolean) => string,
): JSONSchema {
  // `inPlace`: no keyword between the root and here moves to a part of the value (a property, an
  // item), so a reference met here applies to the value itself: a loop of those never ends.
  const walk = (node: unknown, depth: number, inPlace: boolean): JSONSchema | boolean => {
    if (typeof node === "boolean" && version === "3.1") return node;
    if (!isObject(node)) throw new TypeError(`${where}: a schema must be an object`);
    if (depth > MAX_DEPTH) throw new TypeError(`${where}: schema nested deeper than ${MAX_DEPTH} levels`);
    const out: JSONSchema = {};
    if (typeof node.$ref === "string") {
      const ref = onRef(node.$ref, inPlace);
      // OpenAPI 3.0: "This object cannot be extended with additional properties".
      if (version === "3.0") return { $ref: ref };
      out.$ref = ref;
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref") continue;
      if (
        (SCHEMA_KEYWORDS as readonly string[]).includes(key) &&
        (isObject(value) || typeof value === "boolean")
      ) {
        setOwn(out, key, walk(value, depth + 1, inPlace && IN_PLACE.has(key)));
      } else if ((SCHEMA_LIST_KEYWORDS as readonly string[]).includes(key) && Array.isArray(value)) {
        setOwn(
          out,
          key,
          value.map((item) => walk(item, depth + 1, inPlace && IN_PLACE.has(key))),
        );
      } else if ((SCHEMA_MAP_KEYWORDS as readonly string[]).includes(key) && isObject(value)) {
        const map: Record<string, unknown> = {};
        for (const [name, inner] of Object.entries(value)) {
          setOwn(map, name, walk(inner, depth + 1, inPlace && IN_PLACE.has(key)));
        }
        setOwn(out, key, map);
      } else {
        setOwn(out, key, value);
      }
    }
    return version === "3.0" ? fromOpenApi30(out) : out;
  };
  const converted = walk(schema, 0, true);
  return typeof converted === "boolean" ? (converted ? {} : { not: {} }) : converted;
}

/** OpenAPI 3.0's dialect: `nullable` as a `null` type, boolean exclusive bounds as numbers. */
function fromOpenApi30(schema: JSONSchema): JSONSchema {
  const nullable = schema.nullable === true;
  delete schema.nullable;
  for (const [flag, bound] of [
    ["exclusiveMinimum", "minimum"],
    ["exclusiveMaximum", "maximum"],
  ] as const) {
    if (typeof schema[flag] !== "boolean") continue;
    if (schema[flag] === true && typeof schema[bound] === "number") {
      schema[flag] = schema[bound];
      delete schema[bound];
    } else delete schema[flag];
  }
  if (!nullable) return schema;
  if (typeof schema.type === "string") {
    schema.type = [schema.type, "null"];
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
    return schema;
  }
  // No single type to widen (an allOf of a $ref, say): null or the schema.
  return { anyOf: [schema, { type: "null" }] };
}
