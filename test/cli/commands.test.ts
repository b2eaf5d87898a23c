/** `list`, `call`, `inspect`, `version` and the top level of the CLI, against real servers. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FastMCP } from "../../src/index.js";
import { cliFixture, runCli } from "../helpers/cli.js";

const SERVER = `${process.execPath} --import tsx test/fixtures/everything-server.ts`;
const EXPORTS = cliFixture("exports-server.ts");

describe("fastmcp-ts list, call, inspect", { timeout: 90_000 }, () => {
  let http: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    const server = new FastMCP({ name: "over-http", version: "3.1.0", instructions: "Served by the test." });
    server.tool("shout", { description: "Upper-cases." }, () => "HEY");
    http = await server.listen({ port: 0 });
  });
  afterAll(() => http.close());

  it("lists a server's tools, resources, templates and prompts (a command line target)", async () => {
    const { stdout, code } = await runCli(["list", SERVER]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^everything 1\.0\.0 \(2026-07-28\)/);
    expect(stdout).toMatch(/tool {6}add {2}Add two numbers\./);
    expect(stdout).toContain("resource  config://test");
    expect(stdout).toContain("template  users://{id}/profile");
    expect(stdout).toContain("prompt    greet");
  });

  it("lists a .ts server file loaded in memory, as JSON with --json", async () => {
    const { stdout, code } = await runCli(["list", EXPORTS, "--json"]);
    expect(code).toBe(0);
    const listed = JSON.parse(stdout);
    expect(listed.server).toEqual({ name: "exported", version: "2.0.0" });
    expect(listed.tools.map((tool: { name: string }) => tool.name)).toEqual([
      "add",
      "echo",
      "tags",
      "env",
      "process",
      "explode",
    ]);
    expect(listed.tools[0].inputSchema.properties.a).toEqual({ type: "number" });
    expect(listed.resources[0].uri).toBe("config://app");
    expect(listed.resourceTemplates[0].uriTemplate).toBe("users://{id}/profile");
    expect(listed.prompts[0].name).toBe("greet");
  });

  it("inspects a URL as text and as JSON (info, protocol version, capabilities, instructions)", async () => {
    const [text, json] = await Promise.all([
      runCli(["inspect", http.url]),
      runCli(["inspect", http.url, "--json"]),
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^over-http 3\.1\.0 \(2026-07-28\)\ninstructions {2}Served by the test\.\ncapabilities {2}.*tools/,
    );
    expect(text.stdout).toContain("tool      shout  Upper-cases.");
    const inspected = JSON.parse(json.stdout);
    expect(inspected).toMatchObject({
      server: { name: "over-http", version: "3.1.0" },
      protocolVersion: "2026-07-28",
      instructions: "Served by the test.",
    });
    expect(inspected.capabilities.tools).toBeDefined();
    expect(inspected.tools).toHaveLength(1);
  });

  it("inspects a file that calls mcp.run() itself without serving it (no port bound, no stdin read)", async () => {
    const { stdout, code } = await runCli(["inspect", cliFixture("self-http-server.ts"), "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).server.name).toBe("self-http");
  });

  it("calls a tool with a JSON object, and with key=value words typed by the tool's schema", async () => {
    const [json, pairs, typed, asString] = await Promise.all([
      runCli(["call", SERVER, "add", '{"a":5,"b":3}']),
      runCli(["call", EXPORTS, "add", "a=5", "b=3"]),
      runCli(["call", EXPORTS, "tags", 'tags=["x","y"]', "count=2"]),
      runCli(["call", EXPORTS, "echo", "message=42"]),
    ]);
    expect(json.stdout.trim()).toBe("8");
    expect(pairs.stdout.trim()).toBe("8");
    expect(JSON.parse(typed.stdout)).toEqual({ tags: ["x", "y"], count: 2 });
    expect(asString.stdout.trim()).toBe("42"); // a string field keeps "42" as text, not the number
    for (const result of [json, pairs, typed, asString]) expect(result.code).toBe(0);
  });

  it("exits 1 on a tool error; --json prints the whole result; FASTMCP_MASK_ERROR_DETAILS hides the detail", async () => {
    const [failed, asJson, masked] = await Promise.all([
      runCli(["call", SERVER, "fail"]),
      runCli(["call", EXPORTS, "explode", "--json"]),
      runCli(["call", EXPORTS, "explode", "--json"], { env: { FASTMCP_MASK_ERROR_DETAILS: "true" } }),
    ]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("this tool always fails");
    expect(asJson.code).toBe(1);
    const result = JSON.parse(asJson.stdout);
    expect(result.isError).toBe(true);
    expect(result.content[0].text).toContain("secret detail of the failure");
    expect(masked.code).toBe(1);
    expect(JSON.parse(masked.stdout).isError).toBe(true);
    expect(masked.stdout).not.toContain("secret detail");
  });

  it("keeps a key=value word named __proto__ as an argument, never as the arguments' prototype", async () => {
    const { toolArguments } = await import("../../src/cli/client-commands.js");
    const args = toolArguments(['__proto__={"polluted":true}', "n=1"], {
      name: "t",
      inputSchema: { type: "object", properties: { n: { type: "number" } } },
    });
    expect(Object.getPrototypeOf(args)).toBe(Object.prototype);
    expect(JSON.stringify(args)).toBe('{"__proto__":{"polluted":true},"n":1}');
    expect(Object.keys(args)).toEqual(["__proto__", "n"]);
  });

  it("reports an unknown tool, bad arguments and an unreachable server in one line", async () => {
    const [unknown, badJson, notPair, unreachable, badMask] = await Promise.all([
      runCli(["call", EXPORTS, "nope"]),
      runCli(["call", EXPORTS, "add", "{not json"]),
      runCli(["call", EXPORTS, "add", "five"]),
      runCli(["list", "http://127.0.0.1:9/mcp"]),
      runCli(["list", EXPORTS], { env: { FASTMCP_MASK_ERROR_DETAILS: "maybe" } }),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe(
      "fastmcp-ts: The server has no tool named nope (its tools: add, echo, tags, env, process, explode)",
    );
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toMatch(/^fastmcp-ts: call: the arguments are not valid JSON/);
    expect(notPair.code).toBe(2);
    expect(notPair.stderr).toMatch(/^fastmcp-ts: call: "five" is not key=value/);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^fastmcp-ts: Cannot connect to http:\/\/127\.0\.0\.1:9\/mcp/);
    expect(unreachable.stderr.trim().split("\n")).toHaveLength(1);
    expect(badMask.code).toBe(1);
    expect(badMask.stderr).toContain('FASTMCP_MASK_ERROR_DETAILS must be true or false, not "maybe"');
  });
});

describe("fastmcp-ts itself", { timeout: 90_000 }, () => {
  it("prints versions; explains its usage; refuses an unknown command with exit 2", async () => {
    const [version, json, help, unknown, noArgs] = await Promise.all([
      runCli(["version"]),
      runCli(["version", "--json"]),
      runCli(["--help"]),
      runCli(["frobnicate"]),
      runCli(["list"]),
    ]);
    expect(version.stdout).toMatch(/^fastmcp-ts \d+\.\d+\.\d+\nNode {7}\d+\.\d+\.\d+ /);
    expect(version.stdout).toContain("2026-07-28, 2025-11-25");
    expect(JSON.parse(json.stdout)).toMatchObject({ node: process.versions.node });
    expect(help.code).toBe(0);
    for (const command of ["run", "dev", "inspect", "list", "call", "install", "version"])
      expect(help.stdout).toContain(`  ${command} `);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toMatch(/^fastmcp-ts: unknown command "frobnicate"\nUsage: /);
    expect(noArgs.code).toBe(2);
    expect(noArgs.stderr).toMatch(/^fastmcp-ts: list: missing arguments\nUsage: fastmcp-ts list <target>/);
  });

  it("prints each command's help on stdout, exit 0", async () => {
    const commands = ["run", "dev", "inspect", "list", "call", "install", "version"];
    const results = await Promise.all(commands.map((command) => runCli([command, "--help"])));
    results.forEach((result, index) => {
      expect(result.code).toBe(0);
      expect(result.stderr).toBe("");
      expect(result.stdout).toMatch(new RegExp(`^Usage: fastmcp-ts ${commands[index]}`));
      expect(result.stdout.split("\n").length).toBeGreaterThan(3);
    });
  });

  it("colours errors only when asked (FORCE_COLOR) and never with NO_COLOR", async () => {
    const [forced, none] = await Promise.all([
      runCli(["frobnicate"], { env: { FORCE_COLOR: "1", NO_COLOR: "" } }),
      runCli(["frobnicate"], { env: { FORCE_COLOR: "1", NO_COLOR: "1" } }),
    ]);
    expect(forced.stderr).toContain("\u001b[31mfastmcp-ts:\u001b[0m");
    expect(none.stderr).not.toContain("\u001b[");
  });

  it("on a terminal: a spinner while connecting, cleared before the results, and coloured names", async () => {
    // util-linux `script` gives the command a pseudo-terminal; what it prints comes back on our stdout.
    const { execFile } = await import("node:child_process");
    const { CLI } = await import("../helpers/cli.js");
    const command = [process.execPath, ...CLI, "list", EXPORTS].map((word) => `'${word}'`).join(" ");
    const env = { ...process.env };
    delete env.NO_COLOR;
    delete env.FORCE_COLOR;
    const screen = await new Promise<string>((resolve, reject) =>
      execFile("script", ["-qec", command, "/dev/null"], { env, timeout: 25_000 }, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    );
    expect(screen).toContain("\r\u001b[36m⠋\u001b[0m Connecting to "); // the first frame, in cyan
    expect(screen).toMatch(/\[36m[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]\S*\[0m Connecting to \S+exports-server\.ts/);
    expect(screen).toContain("\r\u001b[2K");
    expect(screen).toContain("tool      \u001b[36madd\u001b[0m  Add two numbers.");
  });
});
