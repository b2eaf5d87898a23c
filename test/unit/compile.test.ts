import { type } from "arktype";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type CompiledSchema, compileJsonSchema, compileSchema } from "../../src/schema/compile.js";
import type { JSONSchema, StandardSchemaV1 } from "../../src/schema/standard.js";

const DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema";

function sync(compiled: CompiledSchema | Promise<CompiledSchema>): CompiledSchema {
  if (compiled instanceof Promise) throw new Error("expected a synchronous compile");
  return compiled;
}

describe("compileSchema with zod 4", () => {
  const schema = z.object({
    name: z.string(),
    count: z.number().default(3),
    nested: z.object({ deep: z.string() }).optional(),
  });

  it("converts synchronously to JSON Schema without the 2020-12 $schema", () => {
    const compiled = sync(compileSchema(schema));
    expect(compiled.json).not.toHaveProperty("$schema");
    expect(compiled.json).toMatchObject({
      type: "object",
      properties: {
        name: { type: "string" },
        count: { type: "number", default: 3 },
        nested: { type: "object", properties: { deep: { type: "string" } }, required: ["deep"] },
      },
      required: ["name"],
    });
  });

  it("lists a defaulted field as required in the output direction only", () => {
    const input = sync(compileSchema(z.object({ n: z.number().default(1) }), "input")).json;
    const output = sync(compileSchema(z.object({ n: z.number().default(1) }), "output")).json;
    expect(input.required ?? []).not.toContain("n");
    expect(output.required).toContain("n");
  });

  it("returns the transformed value on success (defaults filled in)", async () => {
    const compiled = sync(compileSchema(schema));
    expect(await compiled.validate({ name: "a" })).toEqual({ ok: true, value: { name: "a", count: 3 } });
    const trimmed = sync(compileSchema(z.object({ s: z.string().trim().toUpperCase() })));
    expect(await trimmed.validate({ s: "  hi " })).toEqual({ ok: true, value: { s: "HI" } });
  });

  it("reports field-level issues with dotted paths", async () => {
    const compiled = sync(compileSchema(schema));
    const outcome = await compiled.validate({ name: 1, nested: { deep: 2 } });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.issues.map((issue) => issue.path)).toEqual(["name", "nested.deep"]);
    for (const issue of outcome.issues) expect(issue.message).toMatch(/expected string/i);
  });

  it("reports array indexes in paths and a missing field by name", async () => {
    const compiled = sync(compileSchema(z.object({ items: z.array(z.object({ id: z.number() })) })));
    const outcome = await compiled.validate({ items: [{ id: 1 }, { id: "x" }] });
    expect(outcome).toEqual({ ok: false, issues: [{ path: "items.1.id", message: expect.any(String) }] });
    const missing = await compiled.validate({});
    expect(missing).toEqual({ ok: false, issues: [{ path: "items", message: expect.any(String) }] });
  });
});

describe("compileSchema with arktype", () => {
  const schema = type({ name: "string", "age?": "number" });

  it("converts synchronously to JSON Schema without the 2020-12 $schema", () => {
    const compiled = sync(compileSchema(schema));
    expect(compiled.json).not.toHaveProperty("$schema");
    expect(compiled.json).toEqual({
      type: "object",
      properties: { name: { type: "string" }, age: { type: "number" } },
      required: ["name"],
    });
  });

  it("validates and names the failing field", async () => {
    const compiled = sync(compileSchema(schema));
    expect(await compiled.validate({ name: "Ada", age: 36 })).toEqual({
      ok: true,
      value: { name: "Ada", age: 36 },
    });
    const outcome = await compiled.validate({ name: 1 });
    expect(outcome).toEqual({
      ok: false,
      issues: [{ path: "name", message: expect.stringContaining("string") }],
    });
  });
});

describe("compileSchema with valibot", () => {
  const schema = v.object({ name: v.string(), tags: v.array(v.string()), n: v.optional(v.number(), 5) });

  it("converts asynchronously through @valibot/to-json-schema", async () => {
    const pending = compileSchema(schema);
    expect(pending).toBeInstanceOf(Promise);
    const compiled = await pending;
    expect(compiled.json).not.toHaveProperty("$schema");
    expect(compiled.json).toMatchObject({
      type: "object",
      properties: {
        name: { type: "string" },
        tags: { type: "array", items: { type: "string" } },
        n: { type: "number", default: 5 },
      },
      required: ["name", "tags"],
    });
  });

  it("validates, fills defaults and reports dotted paths", async () => {
    const compiled = await compileSchema(schema);
    expect(await compiled.validate({ name: "x", tags: [] })).toEqual({
      ok: true,
      value: { name: "x", tags: [], n: 5 },
    });
    const outcome = await compiled.validate({ name: "x", tags: ["a", 1] });
    expect(outcome).toEqual({ ok: false, issues: [{ path: "tags.1", message: expect.any(String) }] });
  });
});

describe("compileSchema with other Standard Schemas", () => {
  function fake(vendor: string, withJson: boolean): StandardSchemaV1 {
    const props: Record<string, unknown> = {
      version: 1,
      vendor,
      validate: async (value: unknown) =>
        typeof value === "object" && value !== null && "ok" in value
          ? { value: { ...value, checked: true } }
          : { issues: [{ message: "needs ok", path: [{ key: "ok" }] }] },
    };
    if (withJson) {
      props.jsonSchema = {
        input: () => ({ $schema: DRAFT_2020_12, type: "object", required: ["ok"] }),
        output: () => ({ $schema: DRAFT_2020_12, type: "object", required: ["ok", "checked"] }),
      };
    }
    return { "~standard": props } as unknown as StandardSchemaV1;
  }

  it("uses Standard JSON Schema when present and supports async validation", async () => {
    const compiled = sync(compileSchema(fake("custom", true)));
    expect(compiled.json).toEqual({ type: "object", required: ["ok"] });
    expect(sync(compileSchema(fake("custom", true), "output")).json).toEqual({
      type: "object",
      required: ["ok", "checked"],
    });
    const result = compiled.validate({ ok: 1 });
    expect(result).toBeInstanceOf(Promise);
    expect(await result).toEqual({ ok: true, value: { ok: 1, checked: true } });
    expect(await compiled.validate(null)).toEqual({
      ok: false,
      issues: [{ path: "ok", message: "needs ok" }],
    });
  });

  it("rejects a library it cannot convert, naming it", () => {
    expect(() => compileSchema(fake("mystery-lib", false))).toThrow(/mystery-lib/);
  });

  it("rejects values that are not schemas", () => {
    expect(() => compileSchema([] as unknown as JSONSchema)).toThrow(TypeError);
    expect(() => compileSchema(null as unknown as JSONSchema)).toThrow(TypeError);
    expect(() => compileSchema("string" as unknown as JSONSchema)).toThrow(TypeError);
  });

  it("keeps a $schema other than 2020-12 that a library emits", () => {
    const draft7 = "http://json-schema.org/draft-07/schema#";
    const schema = {
      "~standard": {
        version: 1,
        vendor: "custom",
        validate: (value: unknown) => ({ value }),
        jsonSchema: {
          input: () => ({ $schema: draft7, type: "string" }),
          output: () => ({ type: "string" }),
        },
      },
    } as unknown as StandardSchemaV1;
    expect(sync(compileSchema(schema)).json).toEqual({ $schema: draft7, type: "string" });
  });
});

describe("compileSchema with a plain JSON Schema", () => {
  const schema: JSONSchema = {
    $schema: DRAFT_2020_12,
    type: "object",
    properties: {
      a: { type: "string", enum: ["x", "y"] },
      b: { $ref: "#/$defs/B" },
      region: { type: "string", "x-mcp-header": "Region" },
    },
    required: ["a"],
    additionalProperties: false,
    $defs: { B: { type: "object", properties: { c: { type: "integer" } }, required: ["c"] } },
  };

  it("keeps the schema exactly as given", () => {
    const snapshot = structuredClone(schema);
    const compiled = sync(compileSchema(schema));
    expect(compiled.json).toBe(schema);
    expect(compiled.json).toEqual(snapshot);
    expect(compiled.json.$schema).toBe(DRAFT_2020_12);
    expect(compiled.json.additionalProperties).toBe(false);
    expect((compiled.json.properties as Record<string, JSONSchema>).region?.["x-mcp-header"]).toBe("Region");
  });

  it("accepts a valid value unchanged and follows $ref into $defs", async () => {
    const compiled = sync(compileSchema(schema));
    const value = { a: "x", b: { c: 3 }, region: "eu" };
    const outcome = await compiled.validate(value);
    expect(outcome).toEqual({ ok: true, value });
    if (outcome.ok) expect(outcome.value).toBe(value);
    expect(await compiled.validate({ a: "x", b: { c: 1.5 } })).toMatchObject({ ok: false });
  });

  it("names a missing required property", async () => {
    expect(await sync(compileSchema(schema)).validate({})).toEqual({
      ok: false,
      issues: [{ path: "a", message: "Required property is missing" }],
    });
  });

  it("gives one readable issue per failing field, with paths", async () => {
    const outcome = await sync(compileSchema(schema)).validate({ a: "z", b: { c: "s" }, extra: 1 });
    expect(outcome).toEqual({
      ok: false,
      issues: [
        { path: "a", message: expect.stringMatching(/x.*y/) },
        { path: "b.c", message: expect.stringMatching(/integer/) },
        { path: "extra", message: "Unexpected property" },
      ],
    });
  });

  it("reports a missing property inside a $ref target once, without a summary issue", async () => {
    // Regression: the $ref keyword's own "A subschema had errors." used to be listed as well.
    expect(await sync(compileSchema(schema)).validate({ a: "x", b: {} })).toEqual({
      ok: false,
      issues: [{ path: "b.c", message: "Required property is missing" }],
    });
  });

  it("reports nested array and range errors with dotted paths", async () => {
    const compiled = compileJsonSchema({
      type: "object",
      properties: {
        user: {
          type: "object",
          properties: {
            tags: { type: "array", items: { type: "string" } },
            age: { type: "integer", minimum: 0 },
          },
        },
      },
    });
    expect(await compiled.validate({ user: { tags: ["a", 3], age: -1 } })).toEqual({
      ok: false,
      issues: [
        { path: "user.tags.1", message: expect.stringMatching(/^Value .*string/) },
        { path: "user.age", message: expect.stringContaining("0") },
      ],
    });
  });

  it("reports a wrong type of the whole value at the empty path", async () => {
    expect(await compileJsonSchema({ type: "object" }).validate("text")).toEqual({
      ok: false,
      issues: [{ path: "", message: expect.stringMatching(/object/) }],
    });
  });

  it("honours a draft-07 $schema ($ref siblings are ignored there)", async () => {
    const make = (dialect?: string): JSONSchema => ({
      ...(dialect ? { $schema: dialect } : {}),
      definitions: { N: { type: "number" } },
      type: "object",
      properties: { n: { $ref: "#/definitions/N", maximum: 1 } },
    });
    const draft7 = sync(compileSchema(make("http://json-schema.org/draft-07/schema#")));
    expect(draft7.json.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(await draft7.validate({ n: 5 })).toEqual({ ok: true, value: { n: 5 } });
    expect(await draft7.validate({ n: "five" })).toMatchObject({ ok: false, issues: [{ path: "n" }] });
    // Under the 2020-12 default the sibling `maximum` applies.
    expect(await sync(compileSchema(make())).validate({ n: 5 })).toMatchObject({
      ok: false,
      issues: [{ path: "n" }],
    });
  });

  it("loads its validator at the first validation, then validates synchronously", async () => {
    // Once the validator library is loaded (by this or an earlier validation), new schemas use it at once.
    await compileJsonSchema({ type: "object" }).validate({});
    const outcome = compileJsonSchema({ type: "object", required: ["a"] }).validate({});
    expect(outcome).not.toBeInstanceOf(Promise);
    expect(outcome).toEqual({ ok: false, issues: [{ path: "a", message: "Required property is missing" }] });
  });

  it("rejects an unknown dialect at compile time", () => {
    expect(() => compileSchema({ $schema: "https://example.com/my-dialect", type: "object" })).toThrow(
      /Unsupported JSON Schema dialect https:\/\/example\.com\/my-dialect/,
    );
    expect(() => compileSchema({ $schema: 7, type: "object" })).toThrow(TypeError);
  });
});
