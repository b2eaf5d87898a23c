/** fastmcp.json: the server it describes is started and answers as described; a bad file names the field. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../../src/index.js";
import { cliFixture, runCli, startCli } from "../helpers/cli.js";
import { ROOT } from "../helpers/paths.js";

const EXPORTS = cliFixture("exports-server.ts");

describe("fastmcp.json", { timeout: 90_000 }, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "fastmcp-config-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function project(name: string, config: unknown): string {
    const path = join(dir, name);
    mkdirSync(join(path, "work"), { recursive: true });
    writeFileSync(join(path, "fastmcp.json"), typeof config === "string" ? config : JSON.stringify(config));
    return path;
  }

  it("`run` with no target serves ./fastmcp.json: its transport, host, port, env (with $VAR references), cwd and args", async () => {
    const path = project("served", {
      $schema: "https://unpkg.com/fastmcp-ts/schema/fastmcp.schema.json",
      source: { path: EXPORTS, entrypoint: "mcp" },
      deployment: {
        transport: "http",
        host: "127.0.0.1",
        port: 0,
        path: "/api/mcp",
        env: { GREETING: `hello \${WHO}`, LITERAL: `\${NOT_SET_ANYWHERE}` },
        cwd: "work",
        args: ["--from-config"],
      },
    });
    const running = startCli(["run"], { cwd: path, env: { WHO: "world" } });
    try {
      const url = await running.url;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/mcp$/);
      await using client = await Client.connect(url);
      expect((await client.callTool("env", { name: "GREETING" })).text).toBe("hello world");
      expect((await client.callTool("env", { name: "LITERAL" })).text).toBe(`\${NOT_SET_ANYWHERE}`);
      expect((await client.callTool("process")).structuredContent).toEqual({
        argv: ["--from-config"],
        cwd: join(path, "work"),
      });
    } finally {
      expect(await running.stop()).toBe(0);
    }
  });

  it("lets flags win over the file: --transport stdio serves the same server over stdio", async () => {
    const path = project("overridden", {
      source: { path: EXPORTS },
      deployment: { transport: "http", port: 1 },
    });
    const result = await runCli(["call", join(path, "fastmcp.json"), "add", "a=1", "b=2"]);
    expect(result.stdout.trim()).toBe("3");
    const { StdioTransport } = await import("../../src/index.js");
    const { CLI } = await import("../helpers/cli.js");
    await using client = await Client.connect(
      new StdioTransport(process.execPath, [...CLI, "run", "--transport", "stdio"], {
        cwd: path,
        stderr: "pipe",
      }),
    );
    expect((await client.callTool("add", { a: 2, b: 2 })).text).toBe("4");
  });

  it("names the field of a bad fastmcp.json, exit 1, one line", async () => {
    const cases: [unknown, string][] = [
      [{ source: { path: EXPORTS }, deployment: { port: "8080" } }, "deployment.port"],
      [{ source: { path: EXPORTS }, deploy: {} }, "deploy: Unexpected property"],
      [{ deployment: {} }, "source: Required property is missing"],
      [{ source: { path: EXPORTS }, deployment: { transport: "pigeon" } }, "deployment.transport"],
      [{ source: { path: EXPORTS }, deployment: { env: { "BAD-NAME": "x" } } }, "deployment.env"],
      [{ source: { path: "nowhere.ts" } }, "source.path: "],
      ["{ not json", "not valid JSON"],
    ];
    const results = await Promise.all(
      cases.map(([config], index) => runCli(["run"], { cwd: project(`bad-${index}`, config) })),
    );
    results.forEach((result, index) => {
      expect(result.code, JSON.stringify(cases[index]?.[0])).toBe(1);
      expect(result.stderr).toContain(cases[index]?.[1]);
      expect(result.stderr).toContain("fastmcp.json");
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
    });
  });

  it("without a target or a fastmcp.json, `run` is a usage error; the schema ships in the package", async () => {
    const empty = join(dir, "empty");
    mkdirSync(empty);
    const result = await runCli(["run"], { cwd: empty });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^fastmcp-ts: no target given, and there is no fastmcp.json in this directory\n/,
    );
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(pkg.files).toContain("schema");
    expect(pkg.bin).toEqual({ "fastmcp-ts": "./dist/cli/main.js", fastmcp: "./dist/cli/main.js" });
    const schema = JSON.parse(readFileSync(join(ROOT, "schema/fastmcp.schema.json"), "utf8"));
    expect(schema.required).toEqual(["source"]);
  });
});
