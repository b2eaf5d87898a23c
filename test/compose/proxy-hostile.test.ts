/**
 * A proxy in front of a broken or hostile upstream (test/fixtures/hostile-upstream.mjs, raw
 * JSON-RPC over stdio): entries it cannot serve are left out with a warning, lists are bounded
 * (items and pages), a reply that is not a result is a clear error, and a server request that
 * cannot be tied to one call among several is refused rather than answered by the wrong client.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Client, FastMCP, StdioTransport } from "../../src/index.js";
import { fixture, ROOT } from "../helpers/paths.js";

let proxy: FastMCP;
let client: Client;
const warnings: string[] = [];

beforeAll(async () => {
  vi.spyOn(console, "warn").mockImplementation((message: unknown) => void warnings.push(String(message)));
  proxy = FastMCP.asProxy(
    new StdioTransport(process.execPath, [fixture("hostile-upstream.mjs")], { stderr: "pipe" }),
    // timeout bounds each upstream request (a reply the client cannot read is waited for until then).
    { name: "hostile", maxListItems: 100, timeout: 1500 },
  );
  client = new Client(proxy, { sampling: () => "from the only client" });
  await client.connect();
});

afterEach(() => {
  warnings.length = 0;
});

afterAll(async () => {
  await client?.close();
  await proxy?.close();
  vi.restoreAllMocks();
});

describe("lists from a hostile upstream", () => {
  it("serves only the tools it can serve again, each name once, and says what it left out", async () => {
    const tools = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(["ok", "garbage", "hold"]);
    expect(tools[0]?.description).toBeUndefined();
    expect(warnings.join("\n")).toMatch(/hostile: 10 of its tools left out/);
  });

  it("cuts a list past maxListItems and leaves out entries without a usable uri", async () => {
    const resources = await client.listResources();
    expect(resources).toHaveLength(100);
    expect(resources[0]?.uri).toBe("file:///r/0");
    expect(warnings.join("\n")).toMatch(/more than 100 resources/);
  });

  it("stops following endless pages", async () => {
    const prompts = await client.listPrompts();
    expect(prompts).toHaveLength(100);
    expect(warnings.join("\n")).toMatch(/more than 100 pages/);
  });

  it("answers a list that is not a list with a clear error", async () => {
    await expect(client.listResourceTemplates()).rejects.toThrow(
      /hostile answered resources\/templates\/list without a list/,
    );
    // The proxy is alive.
    expect((await client.callTool("ok")).text).toBe("fine");
  });
});

describe("calls to a hostile upstream", () => {
  it("answers a reply it cannot read with a clear error once the upstream timeout passes", async () => {
    // `"result": "not an object"` is not a JSON-RPC response our Client accepts: it is dropped, and
    // the call fails when the proxy's upstream timeout passes, naming the upstream.
    const error = await client.callTool("garbage").then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).toMatch(/Proxied server hostile: Request tools\/call timed out after 1500 ms/);
    expect((await client.callTool("ok")).text).toBe("fine");
  });

  it("refuses a server request it cannot tie to one of several calls in flight", async () => {
    // The upstream asks for sampling out of the blue while two calls wait: which client should answer?
    const [first, second] = await Promise.all([client.callTool("hold"), client.callTool("hold")]);
    expect(first?.text).toMatch(/^refused: .*cannot tell which of its 2 requests/);
    expect(second?.text).toBe(first?.text);
  });

  it("passes the upstream's JSON-RPC errors through", async () => {
    await expect(client.callTool("unknown-tool")).rejects.toThrow(/Unknown tool/);
  });
});

/** The modules a fresh process resolves while running `code` (an ES module body). */
async function modulesLoadedBy(code: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), "fastmcp-proxy-modules-"));
  try {
    const record = join(dir, "modules.txt");
    await promisify(execFile)(
      process.execPath,
      [
        "--import",
        "tsx",
        "--import",
        "./test/fixtures/record-modules.mjs",
        "--input-type=module",
        "-e",
        code,
      ],
      { cwd: ROOT, timeout: 60_000, env: { ...process.env, RECORD_MODULES: record } },
    );
    return (await readFile(record, "utf8")).split("\n").filter(Boolean);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("what a proxy costs those who do not use it", () => {
  it("import('fastmcp-ts') and an unused asProxy load none of the proxy's code; the first use loads it", async () => {
    const isProxyCode = (url: string) => /\/src\/compose\/proxy\//.test(url);
    const loaded = await modulesLoadedBy(
      `const { FastMCP } = await import("./src/index.ts");
       FastMCP.asProxy("http://127.0.0.1:9/mcp", { name: "unused" });`,
    );
    expect(loaded.some((url) => url.endsWith("/src/index.ts"))).toBe(true);
    expect(loaded.filter(isProxyCode)).toEqual([]);
    // The recorder sees the proxy's modules once a proxy is used: the check above can fail.
    const used = await modulesLoadedBy(
      `const { FastMCP, Client } = await import("./src/index.ts");
       const upstream = new FastMCP("up"); upstream.tool("ping", () => "pong");
       const proxy = FastMCP.asProxy(upstream);
       const client = new Client(proxy); await client.connect();
       console.log((await client.callTool("ping")).text);
       await client.close(); await proxy.close();`,
    );
    expect(used.filter(isProxyCode).length).toBeGreaterThan(0);
  });
});
