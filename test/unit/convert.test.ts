import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallToolResult, ContentBlock } from "../../src/protocol/types.js";
import { Audio, File, Image, isMediaHelper } from "../../src/server/components/content.js";
import {
  isContentBlock,
  toCallToolResult,
  toJsonText,
  toPromptMessages,
  toResourceContents,
} from "../../src/server/components/convert.js";
import { toBase64 } from "../../src/server/components/media.js";

const PNG_BYTES = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 255]);
const PNG_BASE64 = Buffer.from(PNG_BYTES).toString("base64");

let dir: string;
let pngPath: string;
let wavPath: string;
let csvPath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fastmcp-convert-"));
  pngPath = join(dir, "logo.png");
  wavPath = join(dir, "beep.WAV");
  csvPath = join(dir, "report.csv");
  await writeFile(pngPath, PNG_BYTES);
  await writeFile(wavPath, new Uint8Array([1, 2, 3]));
  await writeFile(csvPath, "a,b\n1,2\n");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("toCallToolResult", () => {
  it("turns a number into its text form", async () => {
    expect(await toCallToolResult(5 + 3, undefined)).toEqual({ content: [{ type: "text", text: "8" }] });
    expect(await toCallToolResult(0.5, undefined)).toEqual({ content: [{ type: "text", text: "0.5" }] });
  });

  it("turns booleans and bigints into text", async () => {
    expect(await toCallToolResult(true, undefined)).toEqual({ content: [{ type: "text", text: "true" }] });
    expect(await toCallToolResult(false, undefined)).toEqual({ content: [{ type: "text", text: "false" }] });
    expect(await toCallToolResult(10n, undefined)).toEqual({ content: [{ type: "text", text: "10" }] });
  });

  it("turns a string into one text block, the empty string included", async () => {
    expect(await toCallToolResult("pong", undefined)).toEqual({ content: [{ type: "text", text: "pong" }] });
    expect(await toCallToolResult("", undefined)).toEqual({ content: [{ type: "text", text: "" }] });
  });

  it("turns null and undefined into empty content", async () => {
    expect(await toCallToolResult(undefined, undefined)).toEqual({ content: [] });
    expect(await toCallToolResult(null, undefined)).toEqual({ content: [] });
  });

  it("turns a plain object into structuredContent plus its JSON text", async () => {
    const value = { sum: 8, items: ["a"], nested: { ok: true } };
    const result = await toCallToolResult(value, undefined);
    expect(result.structuredContent).toEqual(value);
    expect(result.content).toEqual([{ type: "text", text: JSON.stringify(value) }]);
    expect(JSON.parse((result.content[0] as { text: string }).text)).toEqual(value);
  });

  it("treats an object with a content key but other keys as a plain object", async () => {
    const value = { content: "not blocks", author: "x" };
    const result = await toCallToolResult(value, undefined);
    expect(result.structuredContent).toEqual(value);
    expect(result.content).toEqual([{ type: "text", text: JSON.stringify(value) }]);
  });

  it("passes one content block through as the content", async () => {
    // Regression: a returned block used to be repeated as structuredContent.
    const block: ContentBlock = { type: "image", data: "AAAA", mimeType: "image/png" };
    expect(await toCallToolResult(block, undefined)).toEqual({ content: [block] });
  });

  it("turns an array holding content blocks into the content list", async () => {
    const blocks: ContentBlock[] = [
      { type: "text", text: "first" },
      { type: "resource_link", uri: "file:///a.txt", name: "a" },
      { type: "resource", resource: { uri: "mem://x", text: "inline" } },
    ];
    const result = await toCallToolResult(blocks, undefined);
    expect(result).toEqual({ content: blocks });
  });

  it("converts every member of a mixed array holding content", async () => {
    const result = await toCallToolResult(
      ["plain", { type: "text", text: "block" }, 42, { k: 1 }, new Image({ data: PNG_BYTES })],
      undefined,
    );
    expect(result.content).toEqual([
      { type: "text", text: "plain" },
      { type: "text", text: "block" },
      { type: "text", text: "42" },
      { type: "text", text: '{"k":1}' },
      { type: "image", data: PNG_BASE64, mimeType: "image/png" },
    ]);
    expect(result.structuredContent).toBeUndefined();
  });

  it("turns a plain array into one JSON text block without structuredContent", async () => {
    const result = await toCallToolResult([1, 2, { a: "b" }], undefined);
    expect(result).toEqual({ content: [{ type: "text", text: '[1,2,{"a":"b"}]' }] });
    expect(await toCallToolResult([], undefined)).toEqual({ content: [{ type: "text", text: "[]" }] });
    expect(await toCallToolResult(["a", "b"], undefined)).toEqual({
      content: [{ type: "text", text: '["a","b"]' }],
    });
  });

  it("passes a whole CallToolResult through unchanged", async () => {
    const full: CallToolResult = {
      content: [{ type: "text", text: "failed" }],
      isError: true,
      structuredContent: { code: 1 },
      _meta: { trace: "t" },
    };
    expect(await toCallToolResult(full, undefined)).toBe(full);
    const minimal = { content: [] };
    expect(await toCallToolResult(minimal, undefined)).toBe(minimal);
  });

  it("does not mistake an object whose content is not blocks for a result", async () => {
    const value = { content: [{ type: "text" }] };
    const result = await toCallToolResult(value, undefined);
    expect(result.structuredContent).toEqual(value);
  });

  it("with an object output schema, sets structuredContent to the value", async () => {
    const result = await toCallToolResult({ temperature: 21 }, { wrap: false });
    expect(result).toEqual({
      content: [{ type: "text", text: '{"temperature":21}' }],
      structuredContent: { temperature: 21 },
    });
  });

  it("with a wrapped output schema, puts the value under result", async () => {
    expect(await toCallToolResult(8, { wrap: true })).toEqual({
      content: [{ type: "text", text: "8" }],
      structuredContent: { result: 8 },
    });
    expect(await toCallToolResult([1, 2], { wrap: true })).toEqual({
      content: [{ type: "text", text: "[1,2]" }],
      structuredContent: { result: [1, 2] },
    });
    expect(await toCallToolResult(undefined, { wrap: true })).toEqual({
      content: [],
      structuredContent: { result: null },
    });
  });

  it("does not set structuredContent for a string without an output schema", async () => {
    expect(await toCallToolResult("x", undefined)).not.toHaveProperty("structuredContent");
  });
});

describe("media helpers", () => {
  it("Image from bytes, ArrayBuffer and base64 data", async () => {
    const expected = { content: [{ type: "image", data: PNG_BASE64, mimeType: "image/png" }] };
    expect(await toCallToolResult(new Image({ data: PNG_BYTES, format: "png" }), undefined)).toEqual(
      expected,
    );
    expect(await toCallToolResult(new Image({ data: PNG_BYTES.slice().buffer }), undefined)).toEqual(
      expected,
    );
    expect(await toCallToolResult(new Image({ data: PNG_BASE64 }), undefined)).toEqual(expected);
  });

  it("Image from a file path guesses the MIME type from the extension", async () => {
    const result = await toCallToolResult(new Image({ path: pngPath }), undefined);
    expect(result.content).toEqual([{ type: "image", data: PNG_BASE64, mimeType: "image/png" }]);
  });

  it("Image format and mimeType options", async () => {
    expect(await new Image({ data: "AA==", format: "jpg" }).toContent()).toMatchObject({
      mimeType: "image/jpeg",
    });
    expect(await new Image({ data: "AA==", format: "avif" }).toContent()).toMatchObject({
      mimeType: "image/avif",
    });
    expect(
      await new Image({ data: "AA==", format: "png", mimeType: "image/x-custom" }).toContent(),
    ).toMatchObject({
      mimeType: "image/x-custom",
    });
  });

  it("Audio from a file path (extension case ignored) and from data", async () => {
    expect(await new Audio({ path: wavPath }).toContent()).toEqual({
      type: "audio",
      data: Buffer.from([1, 2, 3]).toString("base64"),
      mimeType: "audio/wav",
    });
    expect(await new Audio({ data: new Uint8Array([9]), format: "mp3" }).toContent()).toEqual({
      type: "audio",
      data: Buffer.from([9]).toString("base64"),
      mimeType: "audio/mpeg",
    });
    expect(await new Audio({ data: "AA==" }).toContent()).toMatchObject({ mimeType: "audio/wav" });
  });

  it("File becomes an embedded blob resource named after the file", async () => {
    const result = await toCallToolResult(new File({ path: csvPath }), undefined);
    expect(result.content).toEqual([
      {
        type: "resource",
        resource: {
          uri: "file:///report.csv",
          mimeType: "text/csv",
          blob: Buffer.from("a,b\n1,2\n").toString("base64"),
        },
      },
    ]);
  });

  it("File from data with a name and annotations", async () => {
    const block = await new File({
      data: new Uint8Array([1]),
      name: "my data.bin",
      annotations: { audience: ["user"] },
    }).toContent();
    expect(block).toEqual({
      type: "resource",
      resource: { uri: "file:///my%20data.bin", mimeType: "application/octet-stream", blob: "AQ==" },
      annotations: { audience: ["user"] },
    });
  });

  it("needs data or a path", () => {
    expect(() => new Image({})).toThrow(TypeError);
    expect(() => new File({})).toThrow(/File needs either data or path/);
  });

  it("a missing file fails when converted", async () => {
    await expect(new Image({ path: join(dir, "missing.png") }).toContent()).rejects.toThrow();
  });

  it("isMediaHelper and isContentBlock recognise their values", () => {
    expect(isMediaHelper(new Audio({ data: "" }))).toBe(true);
    expect(isMediaHelper({ type: "image" })).toBe(false);
    expect(isContentBlock({ type: "text", text: "x" })).toBe(true);
    expect(isContentBlock({ type: "text", text: 1 })).toBe(false);
    expect(isContentBlock({ type: "image", data: "x" })).toBe(false);
    expect(isContentBlock({ type: "resource_link", uri: "a://b", name: "b" })).toBe(true);
    expect(isContentBlock({ type: "video", uri: "a://b" })).toBe(false);
    expect(isContentBlock(null)).toBe(false);
  });

  it("toBase64 honours a view's offset and length", () => {
    const view = new Uint8Array([0, 1, 2, 3, 4]).subarray(1, 3);
    expect(toBase64(view)).toBe(Buffer.from([1, 2]).toString("base64"));
  });
});

describe("toJsonText", () => {
  it("serialises JSON and falls back for what JSON cannot hold", () => {
    expect(toJsonText({ a: 1n })).toBe('{"a":"1"}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(toJsonText(cyclic)).toBe("[object Object]");
    expect(toJsonText(undefined)).toBe("undefined");
  });
});

describe("toResourceContents", () => {
  it("a string is text/plain by default", () => {
    expect(toResourceContents("note://1", "hello", undefined)).toEqual([
      { uri: "note://1", mimeType: "text/plain", text: "hello" },
    ]);
  });

  it("a given MIME type wins", () => {
    expect(toResourceContents("note://1", "# Title", "text/markdown")).toEqual([
      { uri: "note://1", mimeType: "text/markdown", text: "# Title" },
    ]);
    expect(toResourceContents("x://y", { a: 1 }, "application/vnd.custom+json")[0]?.mimeType).toBe(
      "application/vnd.custom+json",
    );
  });

  it("bytes are a base64 blob, application/octet-stream by default", () => {
    expect(toResourceContents("bin://1", PNG_BYTES, undefined)).toEqual([
      { uri: "bin://1", mimeType: "application/octet-stream", blob: PNG_BASE64 },
    ]);
    expect(toResourceContents("bin://1", PNG_BYTES.slice().buffer, "image/png")).toEqual([
      { uri: "bin://1", mimeType: "image/png", blob: PNG_BASE64 },
    ]);
  });

  it("anything else is JSON text", () => {
    expect(toResourceContents("config://test", { test: true, env: "development" }, undefined)).toEqual([
      { uri: "config://test", mimeType: "application/json", text: '{"test":true,"env":"development"}' },
    ]);
    expect(toResourceContents("n://1", 42, undefined)).toEqual([
      { uri: "n://1", mimeType: "application/json", text: "42" },
    ]);
    expect(toResourceContents("n://1", [1, "a"], undefined)[0]).toMatchObject({ text: '[1,"a"]' });
  });
});

describe("toPromptMessages", () => {
  it("a string is one user message", async () => {
    expect(await toPromptMessages("Say hello to Ada")).toEqual([
      { role: "user", content: { type: "text", text: "Say hello to Ada" } },
    ]);
  });

  it("one message with string content", async () => {
    expect(await toPromptMessages({ role: "assistant", content: "Sure." })).toEqual([
      { role: "assistant", content: { type: "text", text: "Sure." } },
    ]);
  });

  it("an array of messages keeps order and roles", async () => {
    expect(
      await toPromptMessages([
        { role: "user", content: "Question?" },
        { role: "assistant", content: "Answer." },
        "Follow-up",
      ]),
    ).toEqual([
      { role: "user", content: { type: "text", text: "Question?" } },
      { role: "assistant", content: { type: "text", text: "Answer." } },
      { role: "user", content: { type: "text", text: "Follow-up" } },
    ]);
  });

  it("content blocks pass through as message content", async () => {
    const image: ContentBlock = { type: "image", data: "AAAA", mimeType: "image/png" };
    const resource: ContentBlock = { type: "resource", resource: { uri: "doc://1", text: "body" } };
    expect(await toPromptMessages({ role: "user", content: image })).toEqual([
      { role: "user", content: image },
    ]);
    expect(await toPromptMessages([resource])).toEqual([{ role: "user", content: resource }]);
  });

  it("media helpers become content blocks", async () => {
    expect(await toPromptMessages({ role: "user", content: new Image({ data: PNG_BYTES }) })).toEqual([
      { role: "user", content: { type: "image", data: PNG_BASE64, mimeType: "image/png" } },
    ]);
  });

  it("an object that is not a message becomes a user message of its JSON", async () => {
    expect(await toPromptMessages({ role: "system", content: "x" })).toEqual([
      { role: "user", content: { type: "text", text: '{"role":"system","content":"x"}' } },
    ]);
  });
});
