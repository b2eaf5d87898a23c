/**
 * Registration rules (issue 8, item 12): names per the MCP tool-name rules, resource URIs and
 * RFC 6570 templates checked at registration, and the `onDuplicate` policy for every component
 * kind, also when `handle.update()` renames into a taken name. Checked through a real client over
 * the in-memory transport, as a user would see it.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { Client, type DuplicatePolicy, FastMCP } from "../../src/index.js";

const open: Client[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(open.splice(0).map((client) => client.close()));
});

async function connect(mcp: FastMCP): Promise<Client> {
  const client = new Client(mcp);
  open.push(client);
  await client.connect();
  return client;
}

function spyWarn() {
  return vi.spyOn(console, "warn").mockImplementation(() => {});
}

describe("tool and prompt names", () => {
  it.each(["getUser", "DATA_EXPORT_v2", "admin.tools.list", "a-b", "x".repeat(128)])("accepts %s", (name) => {
    const mcp = new FastMCP("names");
    expect(() => mcp.tool(name, () => "ok")).not.toThrow();
    expect(() => mcp.prompt(name, () => "ok")).not.toThrow();
  });

  it.each([
    ["a space", "my tool"],
    ["empty", ""],
    ["129 characters", "x".repeat(129)],
    ["a comma", "a,b"],
    ["a slash", "a/b"],
    ["non-ASCII", "grüße"],
  ])("refuses a name with %s, naming the rule", (_label, name) => {
    const mcp = new FastMCP("names");
    expect(() => mcp.tool(name, () => "ok")).toThrow(/Invalid tool name .*1 to 128 characters/);
    expect(() => mcp.prompt(name, () => "ok")).toThrow(/Invalid prompt name .*1 to 128 characters/);
    expect(mcp.stats().tools + mcp.stats().prompts).toBe(0);
  });

  it("refuses a rename to an invalid name and keeps the tool as it was", async () => {
    const mcp = new FastMCP("names");
    const handle = mcp.tool("good", () => "ok");
    expect(() => handle.update({ name: "not good" })).toThrow(/Invalid tool name/);
    const client = await connect(mcp);
    expect((await client.listTools()).map((tool) => tool.name)).toEqual(["good"]);
    expect(handle.key).toBe("good");
  });
});

describe("resource URIs and templates", () => {
  it.each([
    ["unbalanced opening brace", "t://{id", /unbalanced braces/],
    ["unbalanced closing brace", "t://id}", /unbalanced braces/],
    ["braces in the wrong order", "t://}{id", /unbalanced braces/],
    ["nested braces", "t://{a{b}}", /unbalanced braces/],
    ["empty expression", "t://{}", /empty expression/],
    ["space in a variable", "t://{a b}", /bad variable/],
    ["reserved operator", "t://{=a}", /reserved/],
    ["bad prefix modifier", "t://{a:0}", /bad variable/],
    ["space in a literal", "t://a b/{id}", /not allowed outside an expression/],
    ["stray percent in a literal", "t://100%/{id}", /%XX/],
  ])("refuses a malformed template (%s) instead of registering a static resource", (_label, uri, message) => {
    const mcp = new FastMCP("templates");
    expect(() => mcp.resource(uri, () => "x")).toThrow(message);
    expect(mcp.stats().resources + mcp.stats().templates).toBe(0);
  });

  it.each([
    ["no scheme", "just-a-name", /needs a scheme/],
    ["a space", "config://my app", /not allowed in a URI/],
    ["a bad escape", "config://100%", /not allowed in a URI/],
    ["a quote", 'config://"x"', /not allowed in a URI/],
    ["an unparsable authority", "http://[/x", /not a valid URI/],
  ])("refuses a resource URI with %s", (_label, uri, message) => {
    const mcp = new FastMCP("uris");
    expect(() => mcp.resource(uri, () => "x")).toThrow(message);
  });

  it("accepts valid URIs and level 1 to 4 templates, and serves them", async () => {
    const mcp = new FastMCP("uris");
    mcp.resource("config://app", () => "app");
    mcp.resource("file:///home/a%20b.txt", () => "file");
    mcp.resource("text://grüße", () => "iri");
    mcp.resource("users://{id}/profile", ({ id }) => `user ${id}`);
    mcp.resource("short://{code:3}", ({ code }) => `code ${code}`);
    mcp.resource("matrix://m{;x,y}", ({ x, y }) => `x=${x} y=${y}`);
    mcp.resource("frag://doc{#a,b}", ({ a, b }) => `${a}|${b}`);
    const client = await connect(mcp);
    expect((await client.listResources()).map((r) => r.uri)).toEqual([
      "config://app",
      "file:///home/a%20b.txt",
      "text://grüße",
    ]);
    expect((await client.readResource("users://7/profile")).content).toBe("user 7");
    expect((await client.readResource("short://abc")).content).toBe("code abc");
    await expect(client.readResource("short://abcd")).rejects.toThrow();
    expect((await client.readResource("matrix://m;x=1;y=2")).content).toBe("x=1 y=2");
    expect((await client.readResource("frag://doc#p/q,r")).content).toBe("p/q|r");
  });
});

type Kind = "tool" | "prompt" | "resource" | "template";
const KINDS: Kind[] = ["tool", "prompt", "resource", "template"];

/** Registers one component of `kind` whose output is `label`, under a fixed key per kind. */
function register(mcp: FastMCP, kind: Kind, label: string, key?: string) {
  switch (kind) {
    case "tool":
      return mcp.tool(key ?? "dup", { description: label }, () => label);
    case "prompt":
      return mcp.prompt(key ?? "dup", { description: label }, () => label);
    case "resource":
      return mcp.resource(key ?? "dup://one", { description: label }, () => label);
    case "template":
      return mcp.resource(key ?? "dup://{id}", { description: label }, () => label);
  }
}

/** What a client sees of `kind`: the listed descriptions and what using the component returns. */
async function observe(
  mcp: FastMCP,
  kind: Kind,
): Promise<{ listed: (string | undefined)[]; output: string }> {
  const client = await connect(mcp);
  switch (kind) {
    case "tool":
      return {
        listed: (await client.listTools()).map((tool) => tool.description),
        output: (await client.callTool("dup")).text,
      };
    case "prompt":
      return {
        listed: (await client.listPrompts()).map((prompt) => prompt.description),
        output: JSON.stringify((await client.getPrompt("dup")).messages),
      };
    case "resource":
      return {
        listed: (await client.listResources()).map((resource) => resource.description),
        output: (await client.readResource("dup://one")).content,
      };
    case "template":
      return {
        listed: (await client.listResourceTemplates()).map((template) => template.description),
        output: (await client.readResource("dup://7")).content,
      };
  }
}

describe.each(KINDS)("onDuplicate for a %s", (kind) => {
  it('defaults to "warn": the later one replaces the earlier, with one warning naming it', async () => {
    const warn = spyWarn();
    const mcp = new FastMCP("dup");
    register(mcp, kind, "first");
    expect(warn).not.toHaveBeenCalled();
    register(mcp, kind, "second");
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/dup.*registered twice/);
    const seen = await observe(mcp, kind);
    expect(seen.listed).toEqual(["second"]);
    expect(seen.output).toContain("second");
  });

  it('"error" throws at registration and keeps the first', async () => {
    const mcp = new FastMCP({ name: "dup", onDuplicate: "error" });
    register(mcp, kind, "first");
    expect(() => register(mcp, kind, "second")).toThrow(/Duplicate .*dup.*already registered/);
    const seen = await observe(mcp, kind);
    expect(seen.listed).toEqual(["first"]);
    expect(seen.output).toContain("first");
  });

  it('"replace" replaces silently', async () => {
    const warn = spyWarn();
    const mcp = new FastMCP({ name: "dup", onDuplicate: "replace" });
    register(mcp, kind, "first");
    register(mcp, kind, "second");
    expect(warn).not.toHaveBeenCalled();
    expect((await observe(mcp, kind)).listed).toEqual(["second"]);
  });

  it('"ignore" keeps the first, and the ignored registration\'s handle does not touch it', async () => {
    const warn = spyWarn();
    const mcp = new FastMCP({ name: "dup", onDuplicate: "ignore" });
    register(mcp, kind, "first");
    const ignored = register(mcp, kind, "second");
    expect(warn).not.toHaveBeenCalled();
    expect(ignored.enabled).toBe(false);
    ignored.disable();
    ignored.remove();
    const seen = await observe(mcp, kind);
    expect(seen.listed).toEqual(["first"]);
    expect(seen.output).toContain("first");
  });
});

describe("onDuplicate and handles", () => {
  it("per-kind settings; kinds not named warn", () => {
    const warn = spyWarn();
    const mcp = new FastMCP({ name: "dup", onDuplicate: { tools: "error" } });
    mcp.tool("a", () => 1);
    expect(() => mcp.tool("a", () => 2)).toThrow(/Duplicate tool a/);
    mcp.prompt("a", () => "1");
    mcp.prompt("a", () => "2");
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it("a tool and a prompt may share a name (different kinds)", () => {
    const mcp = new FastMCP({ name: "dup", onDuplicate: "error" });
    mcp.tool("same", () => 1);
    expect(() => mcp.prompt("same", () => "1")).not.toThrow();
  });

  it("refuses a setting that is not a policy", () => {
    expect(() => new FastMCP({ name: "dup", onDuplicate: "skip" as "warn" })).toThrow(/onDuplicate/);
    expect(
      () => new FastMCP({ name: "dup", onDuplicate: { tools: "nope" } as unknown as DuplicatePolicy }),
    ).toThrow(/onDuplicate/);
  });

  it("the handle of a replaced component no longer acts on its successor", async () => {
    const mcp = new FastMCP({ name: "dup", onDuplicate: "replace" });
    const first = mcp.tool("dup", { description: "first" }, () => "first");
    mcp.tool("dup", { description: "second" }, () => "second");
    expect(first.enabled).toBe(false);
    first.disable();
    first.remove();
    first.update({ description: "changed" });
    const seen = await observe(mcp, "tool");
    expect(seen.listed).toEqual(["second"]);
  });

  describe("update() renaming into a taken name", () => {
    function setup(onDuplicate: DuplicatePolicy | undefined) {
      const mcp = new FastMCP(onDuplicate ? { name: "rename", onDuplicate } : "rename");
      const a = mcp.tool("a", { description: "a" }, () => "a");
      const b = mcp.tool("b", { description: "b" }, () => "b");
      return { mcp, a, b };
    }

    async function listed(mcp: FastMCP): Promise<string[]> {
      const client = await connect(mcp);
      return (await client.listTools()).map((tool) => `${tool.name}:${tool.description}`);
    }

    it('"error" throws and changes nothing', async () => {
      const { mcp, a } = setup("error");
      expect(() => a.update({ name: "b" })).toThrow(/Duplicate tool b/);
      expect(a.key).toBe("a");
      expect(await listed(mcp)).toEqual(["a:a", "b:b"]);
    });

    it('"ignore" leaves both as they were', async () => {
      const { mcp, a } = setup("ignore");
      a.update({ name: "b", description: "renamed" });
      expect(a.key).toBe("a");
      expect(await listed(mcp)).toEqual(["a:a", "b:b"]);
    });

    it('"replace" takes the name over; the displaced handle goes inert', async () => {
      const { mcp, a, b } = setup("replace");
      a.update({ name: "b", description: "renamed" });
      expect(a.key).toBe("b");
      expect(b.enabled).toBe(false);
      b.remove();
      expect(await listed(mcp)).toEqual(["b:renamed"]);
    });

    it('"warn" (the default) takes the name over and warns once', async () => {
      const warn = spyWarn();
      const { mcp, a } = setup(undefined);
      a.update({ name: "b", description: "renamed" });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(await listed(mcp)).toEqual(["b:renamed"]);
    });

    it("renaming to its own name, or to a free one, is no duplicate", async () => {
      const { mcp, a } = setup("error");
      a.update({ name: "a", description: "same" });
      a.update({ name: "c" });
      expect(await listed(mcp)).toEqual(["b:b", "c:same"]);
    });
  });
});

describe("server options checked at construction", () => {
  it("refuses a requestState secret under 16 bytes where the server is made, before it serves", () => {
    expect(() => new FastMCP({ name: "short", requestState: { secret: "too short" } })).toThrow(
      /at least 16 bytes/,
    );
    expect(() => new FastMCP({ name: "bytes", requestState: { secret: new Uint8Array(15) } })).toThrow(
      /at least 16 bytes/,
    );
  });

  it("serves input-required rounds with a secret of 16 bytes", async () => {
    const mcp = new FastMCP({ name: "long", requestState: { secret: "sixteen bytes ok" } });
    mcp.tool("ask", async (_args, ctx) => (await ctx.listRoots()).map((root) => root.uri).join(","));
    const client = new Client(mcp, { roots: [{ uri: "file:///work" }] });
    open.push(client);
    await client.connect();
    expect((await client.callTool("ask", {})).text).toBe("file:///work");
  });
});
