/**
 * The JSON Schema validator of plain JSON Schemas (@cfworker/json-schema, no eval, so it runs in
 * Workers too). Loaded on first use: by a plain JSON Schema's first validation (src/schema/compile.ts),
 * or statically by the features that always need it (OpenAPI, the CLI's fastmcp.json).
 */
import { Validator } from "@cfworker/json-schema";
import type { ValidationIssue } from "../errors.js";
import type { CompiledSchema, ValidationOutcome } from "./compile.js";
import { type Draft, dialectOf } from "./dialect.js";
import type { JSONSchema } from "./standard.js";

/** A synchronous validator of `schema` read as `draft`. */
export function jsonValidator(schema: JSONSchema, draft: Draft): (value: unknown) => ValidationOutcome {
  const validator = new Validator(schema as never, draft, false);
  return (value) => {
    const outcome = validator.validate(value);
    return outcome.valid ? { ok: true, value } : { ok: false, issues: jsonSchemaIssues(outcome.errors) };
  };
}

/** Compiles a plain JSON Schema into a validator that always answers synchronously. */
export function compileJsonSchemaSync(schema: JSONSchema): CompiledSchema & {
  validate(value: unknown): ValidationOutcome;
} {
  return { json: schema, validate: jsonValidator(schema, dialectOf(schema)) };
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
