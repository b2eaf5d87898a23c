/**
 * mcp.transformTool: the tool is listed and called under its new form, with Standard Schema (zod)
 * and JSON Schema tools; TypeErrors at the call to transformTool; list_changed; the returned handle;
 * and one check over Streamable HTTP (both eras) and stdio.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type Client, FastMCP, McpError } from "../../src/index.js";
import { CLIENT_ERAS, closingClients, wireTargets } from "../helpers/clients.js";

const FIXTURE = new URL("../fixtures/tags-server.ts", import.meta.url).pathname;
const connect = closingClients();

async function tool(client: Client, name: string) {
  return (await client.listTools()).find((listed) => listed.name === name);
}

/** A search tool in zod: `q` required, `limit` required, `lang` optional; echoes what it got. */
function zodServer() {
  const mcp = new FastMCP("t");
  const handle = mcp.tool(
    "search",
    {
      description: "Search.",
      inputSchema: z.object({
        q: z.string().describe("query"),
        limit: z.number(),
        lang: z.string().optional(),
      }),
      outputSchema: z.object({ q: z.string(), limit: z.number(), lang: z.string() }),
      annotations: { title: "Search", readOnlyHint: false },
      tags: ["catalogue"],
    },
    ({ q, limit, lang }) => ({ q, limit, lang: lang ?? "none" }),
  );
  return { mcp, handle };
}

/** The same shape as a plain JSON Schema, with keywords that must survive the transformation. */
function jsonServer() {
  const mcp = new FastMCP("t");
  mcp.tool(
    "lookup",
    {
      inputSchema: {
        type: "object",
        $defs: { Id: { type: "string", minLength: 2 } },
        properties: {
          id: { $ref: "#/$defs/Id" },
          token: { type: "string" },
          verbose: { type: "boolean" },
        },
        required: ["id", "token"],
        additionalProperties: false,
        "x-vendor": "kept",
      },
    },
    (args: Record<string, unknown>) => args,
  );
  return mcp;
}

describe("a transformed zod tool", () => {
  it.each(CLIENT_ERAS)("is listed and called under its new form (%s)", async (_era, options) => {
    const { mcp } = zodServer();
    const before = await tool(await connect(mcp), "search");
    mcp.transformTool("search", {
      name: "find",
      description: "Find products.",
      args: {
        q: { name: "query", description: "What to find" },
        limit: { default: 10, hide: true },
        lang: { default: "en" },
      },
      annotations: { readOnlyHint: true },
    });
    const client = await connect(mcp, options);
    const listed = await tool(client, "find");
    expect(listed?.description).toBe("Find products.");
    expect(listed?.inputSchema.properties).toEqual({
      query: { type: "string", description: "What to find" },
      lang: { type: "string", default: "en" },
    });
    expect(listed?.inputSchema.required).toEqual(["query"]);
    expect(listed?.outputSchema).toEqual(before?.outputSchema);
    expect(listed?.annotations).toEqual({ title: "Search", readOnlyHint: true });
    expect(listed?._meta).toEqual({ fastmcp: { tags: ["catalogue"] } });
    expect(await tool(client, "search")).toBeUndefined();
    await expect(client.callTool("search", { q: "x", limit: 1 })).rejects.toThrow("Unknown tool: search");

    expect((await client.callTool("find", { query: "lamp" })).structuredContent).toEqual({
      q: "lamp",
      limit: 10,
      lang: "en",
    });
    // A hidden argument cannot be set by the client; an old name is not a way around the new one.
    expect(
      (await client.callTool("find", { query: "a", q: "b", limit: 99, lang: "fr" })).structuredContent,
    ).toEqual({ q: "a", limit: 10, lang: "fr" });
    const invalid = await client.callTool("find", { lang: "fr" }, { raiseOnError: false });
    expect(invalid.isError).toBe(true);
    expect(invalid.text).toMatch(/^Invalid arguments for tool find: query: /);
  });

  it("can be transformed again: names map through both transformations", async () => {
    const { mcp } = zodServer();
    mcp.transformTool("search", { name: "find", args: { q: { name: "query" }, limit: { default: 5 } } });
    mcp.transformTool("find", {
      name: "lookup",
      args: { query: { name: "text" }, limit: { hide: true, default: 7 } },
    });
    const client = await connect(mcp);
    expect(Object.keys((await tool(client, "lookup"))?.inputSchema.properties as object)).toEqual([
      "text",
      "lang",
    ]);
    expect((await client.callTool("lookup", { text: "t" })).structuredContent).toEqual({
      q: "t",
      limit: 7,
      lang: "none",
    });
    const invalid = await client.callTool("lookup", { text: 3 }, { raiseOnError: false });
    expect(invalid.text).toMatch(/^Invalid arguments for tool lookup: text: /);
  });

  it("swaps two argument names", async () => {
    const mcp = new FastMCP("t");
    mcp.tool("sub", { inputSchema: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => a - b);
    mcp.transformTool("sub", { args: { a: { name: "b" }, b: { name: "a" } } });
    const client = await connect(mcp);
    expect((await tool(client, "sub"))?.inputSchema.required).toEqual(["b", "a"]);
    expect((await client.callTool("sub", { a: 1, b: 10 })).text).toBe("9");
  });
});

describe("a transformed JSON Schema tool", () => {
  it.each(CLIENT_ERAS)(
    "keeps every other keyword and validates with the original schema (%s)",
    async (_era, options) => {
      const mcp = jsonServer();
      mcp.transformTool("lookup", {
        args: { id: { name: "key", description: "The record" }, token: { hide: true, default: "t0k" } },
      });
      const client = await connect(mcp, options);
      expect((await tool(client, "lookup"))?.inputSchema).toEqual({
        type: "object",
        $defs: { Id: { type: "string", minLength: 2 } },
        properties: { key: { $ref: "#/$defs/Id", description: "The record" }, verbose: { type: "boolean" } },
        required: ["key"],
        additionalProperties: false,
        "x-vendor": "kept",
      });
      expect((await client.callTool("lookup", { key: "ab", token: "evil" })).structuredContent).toEqual({
        id: "ab",
        token: "t0k",
      });
      const short = await client.callTool("lookup", { key: "a" }, { raiseOnError: false });
      expect(short.text).toMatch(/^Invalid arguments for tool lookup: key: /);
      const missing = await client.callTool("lookup", {}, { raiseOnError: false });
      expect(missing.text).toBe("Invalid arguments for tool lookup: key: Required property is missing");
      // additionalProperties: false still holds for names the tool never had.
      const extra = await client.callTool("lookup", { key: "ab", other: 1 }, { raiseOnError: false });
      expect(extra.text).toMatch(/other/);
    },
  );

  it("a default on a required argument makes it optional and fills it", async () => {
    const mcp = jsonServer();
    mcp.transformTool("lookup", { args: { token: { default: "std" } } });
    const client = await connect(mcp);
    const listed = await tool(client, "lookup");
    expect(listed?.inputSchema.required).toEqual(["id"]);
    expect((listed?.inputSchema.properties as Record<string, unknown> | undefined)?.token).toEqual({
      type: "string",
      default: "std",
    });
    expect((await client.callTool("lookup", { id: "ab" })).structuredContent).toEqual({
      id: "ab",
      token: "std",
    });
    expect((await client.callTool("lookup", { id: "ab", token: "own" })).structuredContent).toEqual({
      id: "ab",
      token: "own",
    });
  });
});

describe("transformTool refuses bad transformations at the call", () => {
  it.each([
    ["an unknown tool", "nope", {}, /no tool named nope/],
    [
      "an unknown argument",
      "search",
      { args: { query: { name: "q2" } } },
      /has no argument query \(its arguments: q, limit, lang\)/,
    ],
    [
      "hiding a required argument without a default",
      "search",
      { args: { q: { hide: true } } },
      /q is required/,
    ],
    [
      "two arguments under one name",
      "search",
      { args: { q: { name: "x" }, lang: { name: "x" } } },
      /two arguments would be named x/,
    ],
    [
      "a new name taken by a kept argument",
      "search",
      { args: { q: { name: "lang" } } },
      /two arguments would be named lang/,
    ],
    ["an invalid tool name", "search", { name: "has space" }, /Invalid tool name/],
    ["bad tags", "search", { tags: [""] }, /tags must be/],
  ] as const)("%s", async (_what, name, options, message) => {
    const { mcp } = zodServer();
    expect(() => mcp.transformTool(name, options as never)).toThrow(TypeError);
    expect(() => mcp.transformTool(name, options as never)).toThrow(message);
    // Nothing changed.
    const client = await connect(mcp);
    expect((await client.listTools()).map((listed) => listed.name)).toEqual(["search"]);
  });

  it("a tool without arguments has none to transform; hiding an optional one needs no default", () => {
    const mcp = new FastMCP("t");
    mcp.tool("ping", () => "pong");
    expect(() => mcp.transformTool("ping", { args: { x: {} } })).toThrow(/its arguments: none/);
    const { mcp: other } = zodServer();
    expect(() => other.transformTool("search", { args: { lang: { hide: true } } })).not.toThrow();
  });
});

describe("the transformed tool's life", () => {
  it.each(CLIENT_ERAS)("clients get tools/list_changed (%s)", async (_era, options) => {
    const { mcp } = zodServer();
    const client = await connect(mcp, options);
    await using changes = await client.listen({ toolsListChanged: true });
    mcp.transformTool("search", { name: "find" });
    expect((await changes.next()).value?.method).toBe("notifications/tools/list_changed");
    expect((await client.listTools()).map((listed) => listed.name)).toEqual(["find"]);
  });

  it("returns a handle for the new form; the original handle no longer acts", async () => {
    const { mcp, handle: original } = zodServer();
    const handle = mcp.transformTool("search", {
      name: "find",
      args: { q: { name: "query" } },
      tags: ["shop"],
    });
    const client = await connect(mcp);
    expect(handle.key).toBe("find");
    expect((await tool(client, "find"))?._meta).toEqual({ fastmcp: { tags: ["shop"] } });

    original.disable();
    expect(original.enabled).toBe(false);
    expect(handle.visible).toBe(true);

    handle.disable();
    await expect(client.callTool("find", { query: "x", limit: 1 })).rejects.toThrow("Unknown tool: find");
    handle.enable();
    // Rules see the new name and the new tags.
    mcp.disable({ tags: ["shop"] });
    expect(handle.visible).toBe(false);
    mcp.enable({ names: ["find"] });
    expect(handle.visible).toBe(true);

    // update() re-applies the transformation from the original tool with the options changed.
    handle.update({ description: "Find things." });
    const updated = await tool(client, "find");
    expect(updated?.description).toBe("Find things.");
    expect(Object.keys(updated?.inputSchema.properties as object)).toEqual(["query", "limit", "lang"]);
    // Renamed, it no longer matches the name rule: the tag rule hides it until a rule names it.
    handle.update({ name: "seek" });
    expect(await client.listTools()).toEqual([]);
    mcp.enable({ names: ["seek"] });
    expect((await client.listTools()).map((listed) => listed.name)).toEqual(["seek"]);
    expect((await client.callTool("seek", { query: "x", limit: 2 })).structuredContent).toEqual({
      q: "x",
      limit: 2,
      lang: "none",
    });
    handle.remove();
    expect(await client.listTools()).toEqual([]);
  });
});

describe("over Streamable HTTP (both eras) and stdio", () => {
  const targets = wireTargets(
    async () => (await import("../fixtures/tags-server.js")).createTagsServer(),
    FIXTURE,
  );

  it.each(targets)(
    "transformed zod and JSON Schema tools answer under their new form (%s)",
    async (_name, target, options) => {
      const client = await connect(target(), options);
      const find = await tool(client, "find");
      expect(find?.description).toBe("Find products by name.");
      expect(Object.keys(find?.inputSchema.properties as object)).toEqual(["query", "lang"]);
      expect((await tool(client, "lookup"))?.inputSchema.properties).toEqual({ key: { type: "string" } });
      expect((await client.callTool("find", { query: "lamp" })).structuredContent).toEqual({
        query: "lamp",
        limit: 10,
        lang: "en",
      });
      expect((await client.callTool("lookup", { key: "a", token: "evil" })).text).toBe("a:t0k");
      await expect(client.callTool("search", { q: "x", limit: 1 })).rejects.toBeInstanceOf(McpError);
    },
  );
});
