/**
 * Turns whatever the user gave as a schema into what the server needs per request: the JSON Schema
 * to list, and a validator. Runs once, at registration.
 */
import type { ValidationIssue } from "../errors.js";
import { dialectOf } from "./dialect.js";
import { isStandardSchema, type JSONSchema, type SchemaInput, type StandardSchemaV1 } from "./standard.js";

export type ValidationOutcome = { ok: true; value: unknown } | { ok: false; issues: ValidationIssue[] };

export interface CompiledSchema {
  /** The JSON Schema clients see. A plain JSON Schema is kept exactly as given. */
  readonly json: JSONSchema;
  /** Checks a value; a Standard Schema may also transform it (defaults, coercions). */
  validate(value: unknown): ValidationOutcome | Promise<ValidationOutcome>;
}

const DEFAULT_DIALECT = "https://json-schema.org/draft/2020-12/schema";

type JsonValidatorModule = typeof import("./json-validator.js");
let jsonValidatorModule: JsonValidatorModule | undefined;
let jsonValidatorLoading: Promise<JsonValidatorModule> | undefined;

/** Loads the JSON Schema validator (and @cfworker/json-schema) once, at the first validation. */
function loadJsonValidator(): Promise<JsonValidatorModule> {
  jsonValidatorLoading ??= import("./json-validator.js").then((module) => {
    jsonValidatorModule = module;
    return module;
  });
  return jsonValidatorLoading;
}

/**
 * Compiles a plain JSON Schema into a validator (no eval, so it runs in Workers too). The dialect is
 * checked now; the validator library loads at the first validation (that one returns a promise), so
 * a server whose schemas all come from a schema library never loads it.
 */
export function compileJsonSchema(schema: JSONSchema): CompiledSchema {
  const draft = dialectOf(schema);
  let check = jsonValidatorModule?.jsonValidator(schema, draft);
  return {
    json: schema,
    validate(value) {
      if (check) return check(value);
      return loadJsonValidator().then((module) => {
        check ??= module.jsonValidator(schema, draft);
        return check(value);
      });
    },
  };
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
