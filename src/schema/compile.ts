/**
 * Turns whatever the user gave as a schema into what the server needs per request: the JSON Schema
 * to list, and a validator. Runs once, at registration.
 */
import { Validator } from "@cfworker/json-schema";
import type { ValidationIssue } from "../errors.js";
import { isStandardSchema, type JSONSchema, type SchemaInput, type StandardSchemaV1 } from "./standard.js";

export type ValidationOutcome = { ok: true; value: unknown } | { ok: false; issues: ValidationIssue[] };

export interface CompiledSchema {
  /** The JSON Schema clients see. A plain JSON Schema is kept exactly as given. */
  readonly json: JSONSchema;
  /** Checks a value; a Standard Schema may also transform it (defaults, coercions). */
  validate(value: unknown): ValidationOutcome | Promise<ValidationOutcome>;
}

const DEFAULT_DIALECT = "https://json-schema.org/draft/2020-12/schema";

type Draft = "4" | "7" | "2019-09" | "2020-12";

const DIALECTS: Record<string, Draft> = {
  "https://json-schema.org/draft/2020-12/schema": "2020-12",
  "https://json-schema.org/draft/2019-09/schema": "2019-09",
  "http://json-schema.org/draft-07/schema": "7",
  "http://json-schema.org/draft-04/schema": "4",
};

function dialectOf(schema: JSONSchema): Draft {
  const declared = schema.$schema;
  if (declared === undefined) return "2020-12";
  if (typeof declared !== "string") throw new TypeError("JSON Schema $schema must be a string");
  const draft =
    DIALECTS[
      declared
        .replace(/#$/, "")
        .replace(/^https:\/\/json-schema\.org\/draft-0/, "http://json-schema.org/draft-0")
    ];
  if (!draft) {
    throw new TypeError(
      `Unsupported JSON Schema dialect ${declared}; supported: 2020-12 (the default), 2019-09, draft-07, draft-04`,
    );
  }
  return draft;
}

/** Compiles a plain JSON Schema into a validator (no eval, so it runs in Workers too). */
export function compileJsonSchema(schema: JSONSchema): CompiledSchema {
  const validator = new Validator(schema as never, dialectOf(schema), false);
  return {
    json: schema,
    validate(value) {
      const outcome = validator.validate(value);
      return outcome.valid ? { ok: true, value } : { ok: false, issues: jsonSchemaIssues(outcome.errors) };
    },
  };
}

/** Errors that only say "a child failed": dropped when the child's own error is also listed. */
const SUMMARY_KEYWORDS = new Set([
  "properties",
  "patternProperties",
  "additionalProperties",
  "unevaluatedProperties",
  "items",
  "prefixItems",
  "additionalItems",
  "unevaluatedItems",
  "contains",
  "$ref",
  "allOf",
  "dependentSchemas",
]);

function pointerToPath(pointer: string): string {
  return pointer
    .replace(/^#\/?/, "")
    .split("/")
    .filter((part) => part !== "")
    .map((part) => decodeURIComponent(part).replace(/~1/g, "/").replace(/~0/g, "~"))
    .join(".");
}

function jsonSchemaIssues(
  errors: { instanceLocation: string; keywordLocation: string; keyword: string; error: string }[],
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const error of errors) {
    if (SUMMARY_KEYWORDS.has(error.keyword)) {
      const deeper = errors.some(
        (other) =>
          other !== error &&
          !SUMMARY_KEYWORDS.has(other.keyword) &&
          // Deeper in the value, or (for `$ref`, whose target checks the same value) deeper in the schema.
          (other.instanceLocation.startsWith(`${error.instanceLocation}/`) ||
            other.keywordLocation.startsWith(`${error.keywordLocation}/`)),
      );
      if (deeper) continue;
    }
    const path = pointerToPath(error.instanceLocation);
    if (error.keyword === "required") {
      const name = /property "(.+)"/.exec(error.error)?.[1];
      if (name !== undefined) {
        issues.push({ path: path ? `${path}.${name}` : name, message: "Required property is missing" });
        continue;
      }
    }
    if (error.keyword === "false") {
      issues.push({ path, message: "Unexpected property" });
      continue;
    }
    issues.push({ path, message: error.error.replace(/^Instance /, "Value ") });
  }
  return issues;
}

function standardIssues(issues: ReadonlyArray<StandardSchemaV1.Issue>): ValidationIssue[] {
  return issues.map((issue) => ({
    path: (issue.path ?? [])
      .map((segment) => String(typeof segment === "object" && segment !== null ? segment.key : segment))
      .join("."),
    message: issue.message,
  }));
}

function wrapStandard(schema: StandardSchemaV1, json: JSONSchema): CompiledSchema {
  const validate = schema["~standard"].validate;
  const settle = (result: StandardSchemaV1.Result<unknown>): ValidationOutcome =>
    result.issues ? { ok: false, issues: standardIssues(result.issues) } : { ok: true, value: result.value };
  return {
    json,
    validate(value) {
      const result = validate(value);
      return result instanceof Promise ? result.then(settle) : settle(result);
    },
  };
}

/** Drops the `$schema` a library adds when it only restates the default dialect. */
function tidy(json: Record<string, unknown>): JSONSchema {
  if (json.$schema !== DEFAULT_DIALECT) return json;
  const { $schema: _, ...rest } = json;
  return rest;
}

type Converter = (
  schema: StandardSchemaV1,
  direction: "input" | "output",
) => Promise<Record<string, unknown>>;

/** Libraries that implement Standard Schema without Standard JSON Schema, with their optional converter. */
const VENDOR_CONVERTERS: Record<string, Converter> = {
  valibot: async (schema, direction) => {
    const module = (await import("@valibot/to-json-schema" as string).catch(() => {
      throw new TypeError(
        "Converting a valibot schema to JSON Schema needs the package @valibot/to-json-schema: npm install @valibot/to-json-schema",
      );
    })) as {
      toStandardJsonSchema?: (schema: unknown) => StandardSchemaV1;
      toJsonSchema: (schema: unknown, config?: Record<string, unknown>) => Record<string, unknown>;
    };
    if (module.toStandardJsonSchema) {
      const converted = module.toStandardJsonSchema(schema)["~standard"].jsonSchema;
      if (converted) return converted[direction]({ target: "draft-2020-12" });
    }
    return module.toJsonSchema(schema, { target: "draft-2020-12" });
  },
};

/**
 * Compiles a schema given at registration. Returns a promise only when a library's converter must
 * be loaded first (valibot without Standard JSON Schema).
 */
export function compileSchema(
  schema: SchemaInput,
  direction: "input" | "output" = "input",
): CompiledSchema | Promise<CompiledSchema> {
  if (!isStandardSchema(schema)) {
    if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
      throw new TypeError(
        "A schema must be a Standard Schema (zod, valibot, arktype...) or a JSON Schema object",
      );
    }
    return compileJsonSchema(schema);
  }
  const props = schema["~standard"];
  if (props.jsonSchema)
    return wrapStandard(schema, tidy(props.jsonSchema[direction]({ target: "draft-2020-12" })));
  const converter = VENDOR_CONVERTERS[props.vendor];
  if (!converter) {
    throw new TypeError(
      `Cannot convert a ${props.vendor} schema to JSON Schema: it does not implement Standard JSON Schema. ` +
        "Pass a schema from a library that does (zod 4, arktype, valibot) or a plain JSON Schema object.",
    );
  }
  return converter(schema, direction).then((json) => wrapStandard(schema, tidy(json)));
}
