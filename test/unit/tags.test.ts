/**
 * Tags on every component, the server's tag filter (includeTags/excludeTags) and enable/disable
 * rules: what clients list, that hidden components answer as unknown, the precedence with
 * registration handles, list_changed, and one check over Streamable HTTP (both eras) and stdio.
 */
import { describe, expect, it, vi } from "vitest";
import { type Client, FastMCP, McpError } from "../../src/index.js";
import { type Entry, Registry } from "../../src/server/components/registry.js";
import { Visibility } from "../../src/server/components/visibility.js";
import { CLIENT_ERAS, closingClients, wireTargets } from "../helpers/clients.js";

const FIXTURE = new URL("../fixtures/tags-server.ts", import.meta.url).pathname;
const connect = closingClients();

async function rejection(promise: Promise<unknown>): Promise<McpError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(McpError);
  return error as McpError;
}

/** Names (or URIs) of everything the client lists, per kind. */
async function listed(client: Client) {
  return {
    tools: (await client.listTools()).map((tool) => tool.name),
    prompts: (await client.listPrompts()).map((prompt) => prompt.name),
    resources: (await client.listResources()).map((resource) => resource.uri),
    templates: (await client.listResourceTemplates()).map((template) => template.uriTemplate),
  };
}

/** One component of each kind per tag set, named after its tags. */
function tagged(mcp: FastMCP, name: string, tags?: string[]) {
  const options = tags ? { tags } : {};
  mcp.tool(name, options, () => name);
  mcp.prompt(name, options, () => name);
  mcp.resource(`res://${name}`, options, () => name);
  mcp.resource(`tpl://${name}/{id}`, options, ({ id }) => `${name} ${id}`);
}

describe("tags on the wire", () => {
  it("lists every kind's tags under _meta.fastmcp.tags, keeping the component's own _meta", async () => {
    const mcp = new FastMCP("t");
    mcp.tool("a", { tags: ["x", "y", "x"], _meta: { "acme/owner": "ops", fastmcp: { note: 1 } } }, () => 1);
    mcp.tool("plain", { _meta: { "acme/owner": "dev" } }, () => 1);
    mcp.tool("bare", () => 1);
    mcp.prompt("p", { tags: ["x"] }, () => "p");
    mcp.resource("res://r", { tags: ["x"] }, () => "r");
    mcp.resource("tpl://{id}", { tags: ["x"] }, ({ id }) => id);
    const client = await connect(mcp);
    const tools = await client.listTools();
    expect(tools[0]?._meta).toEqual({ "acme/owner": "ops", fastmcp: { note: 1, tags: ["x", "y"] } });
    expect(tools[1]?._meta).toEqual({ "acme/owner": "dev" });
    expect(tools[2]).not.toHaveProperty("_meta");
    expect((await client.listPrompts())[0]?._meta).toEqual({ fastmcp: { tags: ["x"] } });
    expect((await client.listResources())[0]?._meta).toEqual({ fastmcp: { tags: ["x"] } });
    expect((await client.listResourceTemplates())[0]?._meta).toEqual({ fastmcp: { tags: ["x"] } });
  });

  it("refuses tags that are not an array of non-empty strings", () => {
    const mcp = new FastMCP("t");
    expect(() => mcp.tool("a", { tags: "admin" as never }, () => 1)).toThrow(/tags must be an array/);
    expect(() => mcp.prompt("p", { tags: [""] }, () => "p")).toThrow(/non-empty strings/);
    expect(() => mcp.resource("res://r", { tags: [1 as never] }, () => "r")).toThrow(TypeError);
    expect(() => new FastMCP({ name: "t", includeTags: ["ok", 2 as never] })).toThrow(/includeTags/);
    expect(() => new FastMCP({ name: "t", excludeTags: "x" as never })).toThrow(/excludeTags/);
  });
});

describe("includeTags and excludeTags", () => {
  it.each(CLIENT_ERAS)("includeTags shows only components having one of them (%s)", async (_era, options) => {
    const mcp = new FastMCP({ name: "t", includeTags: ["public", "beta"] });
    tagged(mcp, "pub", ["public"]);
    tagged(mcp, "beta", ["other", "beta"]);
    tagged(mcp, "admin", ["admin"]);
    tagged(mcp, "untagged");
    const client = await connect(mcp, options);
    expect(await listed(client)).toEqual({
      tools: ["pub", "beta"],
      prompts: ["pub", "beta"],
      resources: ["res://pub", "res://beta"],
      templates: ["tpl://pub/{id}", "tpl://beta/{id}"],
    });
    expect((await client.callTool("pub")).text).toBe("pub");
    expect((await client.readResource("tpl://beta/7")).text).toBe("beta 7");

    // Hidden answers exactly as never registered.
    const unknown = await rejection(client.callTool("never_registered"));
    for (const name of ["admin", "untagged"]) {
      const hidden = await rejection(client.callTool(name));
      expect(hidden.code).toBe(unknown.code);
      expect(hidden.message).toBe(`Unknown tool: ${name}`);
    }
    const missingPrompt = await rejection(client.getPrompt("never_registered"));
    const hiddenPrompt = await rejection(client.getPrompt("admin"));
    expect(hiddenPrompt.code).toBe(missingPrompt.code);
    expect(hiddenPrompt.message).toBe("Unknown prompt: admin");
    const missingResource = await rejection(client.readResource("res://never"));
    for (const uri of ["res://admin", "tpl://untagged/1"]) {
      const hidden = await rejection(client.readResource(uri));
      expect(hidden.code).toBe(missingResource.code);
      expect(hidden.message).toBe(`Resource not found: ${uri}`);
    }
  });

  it("excludeTags hides components having any of them, and wins over includeTags and enable()", async () => {
    const mcp = new FastMCP({ name: "t", includeTags: ["public"], excludeTags: ["deprecated"] });
    tagged(mcp, "ok", ["public"]);
    tagged(mcp, "old", ["public", "deprecated"]);
    tagged(mcp, "dep", ["deprecated"]);
    mcp.enable({ names: ["old"] }).enable({ tags: ["deprecated"] });
    const client = await connect(mcp);
    expect(await listed(client)).toEqual({
      tools: ["ok"],
      prompts: ["ok"],
      resources: ["res://ok"],
      templates: ["tpl://ok/{id}"],
    });
    await expect(client.callTool("old")).rejects.toThrow("Unknown tool: old");
  });

  it("an empty includeTags filters nothing", async () => {
    const mcp = new FastMCP({ name: "t", includeTags: [], excludeTags: [] });
    tagged(mcp, "a", ["x"]);
    tagged(mcp, "b");
    expect((await listed(await connect(mcp))).tools).toEqual(["a", "b"]);
  });
});

describe("enable and disable", () => {
  it("a tag rule hides components of every kind, those registered later included, until enabled", async () => {
    const mcp = new FastMCP("t");
    tagged(mcp, "early", ["admin"]);
    tagged(mcp, "kept", ["public"]);
    expect(mcp.disable({ tags: ["admin"] })).toBe(mcp);
    tagged(mcp, "late", ["admin", "other"]);
    const client = await connect(mcp);
    expect(await listed(client)).toEqual({
      tools: ["kept"],
      prompts: ["kept"],
      resources: ["res://kept"],
      templates: ["tpl://kept/{id}"],
    });
    await expect(client.callTool("late")).rejects.toThrow("Unknown tool: late");
    await expect(client.getPrompt("early")).rejects.toThrow("Unknown prompt: early");
    await expect(client.readResource("tpl://late/1")).rejects.toThrow("Resource not found");

    mcp.enable({ tags: ["admin"] });
    expect((await listed(client)).tools).toEqual(["early", "kept", "late"]);
    expect((await client.callTool("late")).text).toBe("late");
    expect((await client.readResource("tpl://early/2")).text).toBe("early 2");
  });

  it("names match tool and prompt names and resource and template URIs, across kinds", async () => {
    const mcp = new FastMCP("t");
    tagged(mcp, "a");
    tagged(mcp, "b");
    mcp.disable({ names: ["a", "res://b", "tpl://a/{id}"] });
    const client = await connect(mcp);
    expect(await listed(client)).toEqual({
      tools: ["b"],
      prompts: ["b"],
      resources: ["res://a"],
      templates: ["tpl://b/{id}"],
    });
  });

  it("names and tags in one rule narrow each other; the latest matching rule wins", async () => {
    const mcp = new FastMCP("t");
    mcp.tool("drop_table", { tags: ["admin", "dangerous"] }, () => "dropped");
    mcp.tool("reset", { tags: ["admin"] }, () => "reset");
    mcp.tool("status", () => "ok");
    mcp.disable({ names: ["status", "reset"], tags: ["dangerous"] });
    const client = await connect(mcp);
    expect((await listed(client)).tools).toEqual(["drop_table", "reset", "status"]);

    mcp.disable({ tags: ["admin"] }).enable({ names: ["drop_table"] });
    expect((await listed(client)).tools).toEqual(["drop_table", "status"]);
    mcp.disable({ names: ["drop_table"] });
    expect((await listed(client)).tools).toEqual(["status"]);
    // Toggling the same criteria: each call decides alone, however many times.
    for (let round = 0; round < 100; round++) mcp.enable({ tags: ["admin"] }).disable({ tags: ["admin"] });
    // The latest matching rule for drop_table is now this one, not the name rule before it.
    mcp.enable({ tags: ["admin"] });
    expect((await listed(client)).tools).toEqual(["drop_table", "reset", "status"]);
  });

  it("refuses a rule with nothing to match", () => {
    const mcp = new FastMCP("t");
    expect(() => mcp.disable({})).toThrow(/needs tags or names/);
    expect(() => mcp.enable({ names: [] })).toThrow(/needs tags or names/);
    expect(() => mcp.disable({ names: "a" as never })).toThrow(/names must be an array/);
    expect(() => mcp.disable(undefined as never)).toThrow(TypeError);
  });

  it("a component shows when its handle, the tag filter and the rules all agree", async () => {
    const mcp = new FastMCP("t");
    const tool = mcp.tool("t1", { tags: ["admin"] }, () => "t1");
    const client = await connect(mcp);

    tool.disable();
    mcp.enable({ names: ["t1"] });
    expect(tool.enabled).toBe(false);
    expect(tool.visible).toBe(false);
    expect((await listed(client)).tools).toEqual([]);

    tool.enable();
    expect(tool.visible).toBe(true);
    mcp.disable({ tags: ["admin"] });
    expect(tool.enabled).toBe(true);
    expect(tool.visible).toBe(false);
    await expect(client.callTool("t1")).rejects.toThrow("Unknown tool: t1");

    mcp.enable({ names: ["t1"] });
    expect(tool.visible).toBe(true);
    expect((await client.callTool("t1")).text).toBe("t1");

    // Retagging through update() is judged by the rules: the tag rule is the latest that matches.
    mcp.disable({ tags: ["retired"] });
    tool.update({ tags: ["retired"] });
    expect(tool.enabled).toBe(true);
    expect(tool.visible).toBe(false);
    mcp.disable({ names: ["t1"] }).enable({ names: ["t1"] });
    expect(tool.visible).toBe(true);
    const other = mcp.tool("t2", { tags: ["retired"] }, () => "t2");
    expect(other.visible).toBe(false);
  });

  it.each(CLIENT_ERAS)("clients are told when a rule changes what they see (%s)", async (_era, options) => {
    const mcp = new FastMCP("t");
    mcp.tool("admin_tool", { tags: ["admin"] }, () => 1);
    mcp.prompt("draft", { tags: ["drafts"] }, () => "d");
    const client = await connect(mcp, options);
    await using changes = await client.listen({ toolsListChanged: true, promptsListChanged: true });

    mcp.disable({ tags: ["admin"] });
    expect((await changes.next()).value?.method).toBe("notifications/tools/list_changed");
    // Hides no tool: the next notice is the prompts', with no tools one before it.
    mcp.disable({ tags: ["drafts"] });
    expect((await changes.next()).value?.method).toBe("notifications/prompts/list_changed");
    mcp.enable({ names: ["admin_tool"] });
    expect((await changes.next()).value?.method).toBe("notifications/tools/list_changed");
    expect((await listed(client)).tools).toEqual(["admin_tool"]);
  });
});

describe("the registry under a visibility policy", () => {
  type E = Entry<{ name: string }>;
  const entry = (key: string, tags?: string[]): E => ({ key, enabled: true, wire: { name: key }, tags });

  it("judges on change, caches the list, and notifies only when the visible set changes", () => {
    const onChange = vi.fn();
    const registry = new Registry<E>(onChange);
    registry.set(entry("a", ["x"]));
    registry.set(entry("b"));
    const first = registry.list();
    expect(registry.list()).toBe(first);
    onChange.mockClear();

    const visibility = new Visibility(undefined, undefined);
    visibility.add(false, { tags: ["nothing-has-this"] });
    visibility.applyTo([registry]);
    expect(onChange).not.toHaveBeenCalled();
    expect(registry.list()).toBe(first);

    visibility.add(false, { tags: ["x"] });
    visibility.applyTo([registry]);
    expect(onChange).toHaveBeenCalledTimes(1);
    const second = registry.list();
    expect(second.map((wire) => wire.name)).toEqual(["b"]);
    expect(registry.list()).toBe(second);
    expect(registry.get("a")).toBeUndefined();
    expect(registry.peek("a")?.hidden).toBe(true);

    // The handle's switch on a hidden entry changes nothing clients see.
    registry.setEnabled("a", false);
    registry.setEnabled("a", true);
    expect(onChange).toHaveBeenCalledTimes(1);

    // A later entry is judged as it arrives.
    registry.set(entry("c", ["x"]));
    expect(registry.list().map((wire) => wire.name)).toEqual(["b"]);
    // No policy: everything enabled shows again.
    registry.setPolicy(undefined);
    expect(registry.list().map((wire) => wire.name)).toEqual(["a", "b", "c"]);
  });
});

describe("over Streamable HTTP (both eras) and stdio", () => {
  const targets = wireTargets(
    async () => (await import("../fixtures/tags-server.js")).createTagsServer(),
    FIXTURE,
  );

  it.each(targets)("hidden components are absent and unknown (%s)", async (_name, target, options) => {
    const client = await connect(target(), options);
    const seen = await listed(client);
    expect(seen.tools).toEqual(["public_echo", "find", "lookup"]);
    expect(seen.prompts).toEqual(["greet"]);
    expect(seen.resources).toEqual(["info://public"]);
    expect(seen.templates).toEqual([]);
    expect((await client.listTools())[0]?._meta).toEqual({ fastmcp: { tags: ["public"] } });
    await expect(client.callTool("drop_table")).rejects.toThrow("Unknown tool: drop_table");
    await expect(client.callTool("debug_dump")).rejects.toThrow("Unknown tool: debug_dump");
    await expect(client.getPrompt("admin_prompt")).rejects.toThrow("Unknown prompt: admin_prompt");
    await expect(client.readResource("reports://q1")).rejects.toThrow("Resource not found: reports://q1");
    expect((await client.callTool("public_echo", { text: "hi" })).text).toBe("hi");
  });
});
