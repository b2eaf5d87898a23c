/** `fastmcp-ts run` on real subprocesses: server files, the run hook, flags, FASTMCP_* settings, errors. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, FastMCP, StdioTransport } from "../../src/index.js";
import { CLI, cliFixture, runCli, startCli, TSX } from "../helpers/cli.js";
import { ROOT } from "../helpers/paths.js";
import { until } from "../helpers/wait.js";

const README = cliFixture("readme-server.ts");
const EXPORTS = cliFixture("exports-server.ts");

function stdioClient(args: string[]): StdioTransport {
  return new StdioTransport(process.execPath, [...CLI, "run", ...args], {
    stderr: "pipe",
    cwd: ROOT,
  });
}

describe("fastmcp-ts run", { timeout: 90_000 }, () => {
  it("serves the README's server file (no export, mcp.run() at top level) over stdio, console.log kept off the channel", async () => {
    const transport = stdioClient([README]);
    await using client = await Client.connect(transport);
    expect((await client.callTool("add", { a: 2, b: 3 })).text).toBe("5");
    expect(client.serverInfo?.name).toBe("Test Server");
    expect(transport.stderrOutput).toContain("a stray console.log at top level");
  });

  it("serves the same file over HTTP with --transport http (one server, not a second on stdin), until SIGTERM", async () => {
    const running = startCli(["run", README, "--transport", "http", "--port", "0"]);
    try {
      await using client = await Client.connect(await running.url);
      expect((await client.callTool("add", { a: 20, b: 22 })).text).toBe("42");
    } finally {
      expect(await running.stop()).toBe(0);
    }
    expect(running.stderr().match(/serving/g)).toHaveLength(1);
  });

  it("keeps the transport a file chose itself, and lets a flag override it", async () => {
    const self = startCli(["run", cliFixture("self-http-server.ts")]);
    try {
      await using client = await Client.connect(await self.url);
      expect((await client.callTool("ping")).text).toBe("pong");
    } finally {
      await self.stop();
    }
    await using overridden = await Client.connect(
      stdioClient([cliFixture("self-http-server.ts"), "--transport", "stdio"]),
    );
    expect((await overridden.callTool("ping")).text).toBe("pong");
  });

  it("picks file:export, calls an exported factory, and passes the words after -- as the file's argv", async () => {
    await using other = await Client.connect(stdioClient([`${EXPORTS}:other`]));
    expect((await other.callTool("which")).text).toBe("other");
    await using made = await Client.connect(stdioClient([`${EXPORTS}:makeServer`]));
    expect((await made.callTool("which")).text).toBe("made");
    await using picked = await Client.connect(stdioClient([EXPORTS, "--", "--verbose", "x"]));
    expect(picked.serverInfo?.name).toBe("exported");
    expect((await picked.callTool("process")).structuredContent).toMatchObject({ argv: ["--verbose", "x"] });
  });

  it("honours FASTMCP_PORT and FASTMCP_HOST where neither the file nor the flags name them", async () => {
    const running = startCli(["run", README, "--transport", "http"], {
      env: { FASTMCP_PORT: "0", FASTMCP_HOST: "127.0.0.1" },
    });
    try {
      const url = await running.url;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      expect(url).not.toContain(":8000/"); // the default port was replaced by FASTMCP_PORT=0
      await using client = await Client.connect(url);
      expect((await client.callTool("ping")).text).toBe("pong");
    } finally {
      await running.stop();
    }
  });

  it("FASTMCP_LOG_LEVEL=error silences the server's own info lines; a bad FASTMCP_PORT is one line, exit 1", async () => {
    const { createServer } = await import("node:net");
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const quiet = startCli(["run", README, "--transport", "http", "--port", String(port)], {
      env: { FASTMCP_LOG_LEVEL: "error" },
    });
    let client: Client | undefined;
    await until(
      async () => {
        client = await Client.connect(`http://127.0.0.1:${port}/mcp`).catch(() => undefined);
        return client !== undefined;
      },
      20_000,
      "the quiet server to answer",
    );
    expect((await client?.callTool("ping"))?.text).toBe("pong");
    await client?.close();
    expect(await quiet.stop()).toBe(0);
    expect(quiet.stderr()).not.toContain("serving");

    const bad = await runCli(["run", EXPORTS, "--transport", "http"], { env: { FASTMCP_PORT: "eighty" } });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(
      'fastmcp-ts: FASTMCP_PORT must be a port number from 0 to 65535, not "eighty"',
    );
  });

  it("says what is wrong with a file in one line, exit code 1, and shows the stack only with --debug", async () => {
    const cases: [string, RegExp][] = [
      [cliFixture("no-server.ts"), /no-server\.ts exports no FastMCP server and does not call run\(\)/],
      [
        cliFixture("two-servers.ts"),
        /exports several servers \(first, second\): pick one with two-servers\.ts:<export>/,
      ],
      [cliFixture("broken.ts"), /broken\.ts failed to load: the configuration is missing DATABASE_URL/],
      [`${EXPORTS}:nope`, /exports-server\.ts has no export named nope/],
      [`${EXPORTS}:notAServer`, /the export notAServer is not a FastMCP server/],
      ["missing-server.ts", /missing-server\.ts: no such file/],
    ];
    const results = await Promise.all(cases.map(([target]) => runCli(["run", target])));
    results.forEach((result, index) => {
      expect(result.code, cases[index]?.[0]).toBe(1);
      expect(result.stderr).toMatch(cases[index]?.[1] as RegExp);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stdout).toBe("");
    });
    const debug = await runCli(["run", cliFixture("broken.ts"), "--debug"]);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it("refuses unknown flags and bad values with a usage line (exit 2); --help goes to stdout (exit 0)", async () => {
    const [unknown, port, transport, path, level, help] = await Promise.all([
      runCli(["run", README, "--frobnicate"]),
      runCli(["run", README, "--port", "99999"]),
      runCli(["run", README, "--transport", "carrier-pigeon"]),
      runCli(["run", README, "--path", "mcp"]),
      runCli(["run", README, "--log-level", "loud"]),
      runCli(["run", "--help"]),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^fastmcp-ts: run: unknown option --frobnicate\nUsage: fastmcp-ts run /);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port must be a port number from 0 to 65535, not "99999"');
    expect(transport.code).toBe(2);
    expect(transport.stderr).toContain(
      '--transport must be one of stdio, http, sse, ws, not "carrier-pigeon"',
    );
    expect(path.code).toBe(2);
    expect(path.stderr).toContain('--path must start with "/"');
    expect(level.code).toBe(2);
    expect(level.stderr).toContain("--log-level: must be one of debug, info");
    for (const result of [unknown, port, transport, path, level])
      expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(help.code).toBe(0);
    expect(help.stderr).toBe("");
    expect(help.stdout).toMatch(/^Usage: fastmcp-ts run /);
    expect(help.stdout).toContain("--transport");
  });

  it("serves a proxy of a URL over stdio, and of a command line over HTTP", async () => {
    const upstream = new FastMCP("upstream");
    upstream.tool("where", () => "behind the proxy");
    const listening = await upstream.listen({ host: "127.0.0.1", port: 0 });
    try {
      await using viaUrl = await Client.connect(stdioClient([listening.url]));
      expect((await viaUrl.callTool("where")).text).toBe("behind the proxy");
    } finally {
      await listening.close();
    }
    const running = startCli([
      "run",
      "--transport",
      "http",
      "--port",
      "0",
      "--",
      process.execPath,
      "--import",
      TSX,
      README,
    ]);
    try {
      await using viaCommand = await Client.connect(await running.url);
      expect((await viaCommand.callTool("add", { a: 4, b: 5 })).text).toBe("9");
    } finally {
      expect(await running.stop()).toBe(0);
    }
  });

  it("serves an mcp.json of several servers as one, namespaced by key; a broken one is named and the others work", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fastmcp-cli-"));
    try {
      const mcpJson = join(dir, "mcp.json");
      const config = {
        mcpServers: {
          calc: { command: process.execPath, args: ["--import", TSX, README] },
          broken: { command: process.execPath, args: [join(dir, "no-such-server.js")] },
        },
      };
      writeFileSync(mcpJson, JSON.stringify(config));
      const transport = stdioClient([mcpJson]);
      await using client = await Client.connect(transport);
      expect((await client.listTools()).map((tool) => tool.name)).toContain("calc_add");
      expect((await client.callTool("calc_add", { a: 1, b: 1 })).text).toBe("2");
      await until(() => transport.stderrOutput.includes("broken"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("the built CLI, outside this repository", () => {
    let dir: string;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "fastmcp-built-"));
      await build({
        entryPoints: [join(ROOT, "src/cli/main.ts")],
        outdir: join(dir, "cli"),
        bundle: true,
        splitting: true,
        format: "esm",
        platform: "node",
        target: "node20",
        logLevel: "error",
      });
      writeFileSync(join(dir, "server.ts"), "export const x: number = 1;\n");
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("starts without tsx and says what to install to run a .ts file", async () => {
      const { spawnSync } = await import("node:child_process");
      const env = { ...process.env, NO_COLOR: "1" };
      const help = spawnSync(process.execPath, [join(dir, "cli/main.js"), "--help"], {
        encoding: "utf8",
        env,
      });
      expect(help.status).toBe(0);
      expect(help.stdout).toContain("Usage: fastmcp-ts <command>");
      const ts = spawnSync(process.execPath, [join(dir, "cli/main.js"), "run", join(dir, "server.ts")], {
        encoding: "utf8",
        cwd: dir,
        env,
      });
      expect(ts.status).toBe(1);
      expect(ts.stderr.trim()).toBe(
        "fastmcp-ts: server.ts is TypeScript: install tsx to run it without a build step (npm install --save-dev tsx), or run the compiled .js file",
      );
    });
  });
});
