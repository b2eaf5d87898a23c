/**
 * The launcher transports, each through a real subprocess:
 * - uv and uvx through stand-in executables (put first on PATH) that record their arguments and
 *   then run the Python fixture server;
 * - npx through a real npm package, @modelcontextprotocol/server-everything, run from
 *   node_modules/.bin with --no-install (no network);
 * - node through a plain .mjs server built with the official SDK.
 */
import { delimiter, join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Client } from "../../src/client/client.js";
import { ConnectionError } from "../../src/errors.js";
import type { StdioTransport } from "../../src/transports/stdio/client.js";
import {
  NodeStdioTransport,
  NpxStdioTransport,
  UvStdioTransport,
  UvxStdioTransport,
} from "../../src/transports/stdio/variants.js";
import { NODE_SERVER, PYTHON_SERVER, ROOT } from "../helpers/paths.js";
import { expectAllGone, processTree } from "../helpers/processes.js";
import { parseWhoami, readRecord, tempDir, writeStandIn } from "../helpers/stand-ins.js";

const clients: Client[] = [];
const cleanups: Array<() => void> = [];

function track(client: Client): Client {
  clients.push(client);
  return client;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/**
 * `uv run [options] <target> [args...]`: options that take a value are skipped; the target is
 * the script (any .py stands for the fixture) or `python <script>`.
 */
const UV_FORWARD = `args = list(args)
assert args and args[0] == "run", "expected uv run"
args = args[1:]
while args and args[0] in ("--project", "--python", "--with", "--directory"):
    args = args[2:]
if args and args[0] in ("python", "python3"):
    args = args[1:]
return args[1:]`;

/** `uvx [options] <tool> [args...]`: the tool stands for the fixture server. */
const UVX_FORWARD = `args = list(args)
while args and args[0] in ("--from", "--python", "--with"):
    args = args[2:]
return args[1:]`;

/** A temp dir holding stand-in `uv` and `uvx`, and the PATH that puts it first. */
function launchers(): { dir: string; record: string; path: string } {
  const { dir, cleanup } = tempDir("fastmcp-launchers-");
  cleanups.push(cleanup);
  const record = join(dir, "record.jsonl");
  writeStandIn(join(dir, "uv"), { record, forward: UV_FORWARD });
  writeStandIn(join(dir, "uvx"), { record, forward: UVX_FORWARD });
  return { dir, record, path: `${dir}${delimiter}${process.env.PATH ?? ""}` };
}

/** Connects, checks the server answers and reports `expectedArgv`, closes, checks nothing leaked. */
async function runEndToEnd(transport: StdioTransport, expectedArgv: string[]): Promise<void> {
  const client = track(new Client(transport));
  await client.connect();
  expect(client.era).toBe("legacy");
  expect(client.serverInfo?.name).toBe("python-stdlib-server");
  expect((await client.callTool("add", { a: 5, b: 3 })).text).toBe("8");
  const who = parseWhoami((await client.callTool("whoami")).text);
  expect(who.argv).toEqual([PYTHON_SERVER, ...expectedArgv]);
  expect(who.env).toEqual({ FASTMCP_TEST_VALUE: "from-test" });
  const pids = processTree(transport);
  await client.close();
  expect(transport.pid).toBeUndefined();
  await expectAllGone(pids);
}

describe("UvStdioTransport", () => {
  it("runs `uv run <script>` with no options", async () => {
    const { record, path } = launchers();
    const transport = new UvStdioTransport({
      args: [PYTHON_SERVER],
      env: { PATH: path, FASTMCP_TEST_VALUE: "from-test" },
      stderr: "pipe",
    });
    expect(transport.command).toBe("uv");
    expect(transport.args).toEqual(["run", PYTHON_SERVER]);
    await runEndToEnd(transport, []);
    expect(readRecord(record)).toEqual([{ prog: "uv", argv: ["run", PYTHON_SERVER] }]);
  });

  it("passes --project, --python and one --with per package before the target", async () => {
    const { record, path } = launchers();
    const transport = new UvStdioTransport({
      args: ["python", PYTHON_SERVER, "--verbose", "two words"],
      withPackages: ["httpx>=0.27", "rich"],
      project: "/srv/my project",
      python: "3.11",
      env: { PATH: path, FASTMCP_TEST_VALUE: "from-test" },
      stderr: "pipe",
    });
    await runEndToEnd(transport, ["--verbose", "two words"]);
    expect(readRecord(record)).toEqual([
      {
        prog: "uv",
        argv: [
          "run",
          "--project",
          "/srv/my project",
          "--python",
          "3.11",
          "--with",
          "httpx>=0.27",
          "--with",
          "rich",
          "python",
          PYTHON_SERVER,
          "--verbose",
          "two words",
        ],
      },
    ]);
  });

  it("uses a custom uv executable given as command", async () => {
    const { dir, record } = launchers();
    writeStandIn(join(dir, "my-uv"), { record, forward: UV_FORWARD });
    const transport = new UvStdioTransport({
      command: join(dir, "my-uv"),
      args: [PYTHON_SERVER],
      env: { FASTMCP_TEST_VALUE: "from-test" },
      stderr: "pipe",
    });
    await runEndToEnd(transport, []);
    expect(readRecord(record)).toEqual([{ prog: "my-uv", argv: ["run", PYTHON_SERVER] }]);
  });

  it("fails with a ConnectionError when uv is not installed", async () => {
    const { dir, cleanup } = tempDir("fastmcp-empty-");
    cleanups.push(cleanup);
    const client = track(
      new Client(new UvStdioTransport({ args: [PYTHON_SERVER], env: { PATH: dir }, stderr: "pipe" })),
    );
    const error = await client.connect().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/"uv".*command not found/);
  });
});

describe("UvxStdioTransport", () => {
  it("runs `uvx <tool> [args]` with no options", async () => {
    const { record, path } = launchers();
    const transport = new UvxStdioTransport({
      args: ["python-test-server", "--port", "0"],
      env: { PATH: path, FASTMCP_TEST_VALUE: "from-test" },
      stderr: "pipe",
    });
    expect(transport.command).toBe("uvx");
    await runEndToEnd(transport, ["--port", "0"]);
    expect(readRecord(record)).toEqual([{ prog: "uvx", argv: ["python-test-server", "--port", "0"] }]);
  });

  it("passes --from, --python and one --with per package before the tool", async () => {
    const { record, path } = launchers();
    const transport = new UvxStdioTransport({
      args: ["python-test-server", "--local-timezone", "UTC"],
      from: "python-test-server==1.2.3",
      withPackages: ["httpx", "anyio>=4"],
      python: "3.12",
      env: { PATH: path, FASTMCP_TEST_VALUE: "from-test" },
      stderr: "pipe",
    });
    await runEndToEnd(transport, ["--local-timezone", "UTC"]);
    expect(readRecord(record)).toEqual([
      {
        prog: "uvx",
        argv: [
          "--from",
          "python-test-server==1.2.3",
          "--python",
          "3.12",
          "--with",
          "httpx",
          "--with",
          "anyio>=4",
          "python-test-server",
          "--local-timezone",
          "UTC",
        ],
      },
    ]);
  });
});

describe("NpxStdioTransport", () => {
  it("runs @modelcontextprotocol/server-everything from node_modules/.bin without installing", async () => {
    const transport = new NpxStdioTransport({
      args: ["--no-install", "mcp-server-everything", "stdio"],
      cwd: ROOT,
      // Offline: npx must find the package locally and never ask the registry.
      env: { npm_config_offline: "true", npm_config_update_notifier: "false" },
      stderr: "pipe",
    });
    expect(transport.command).toBe("npx");
    expect(transport.args).toEqual(["--no-install", "mcp-server-everything", "stdio"]);
    const client = track(new Client(transport, { timeout: 20_000 }));
    await client.connect();
    expect(client.era).toBe("legacy");
    expect(client.serverInfo?.name).toBe("mcp-servers/everything");

    const names = (await client.listTools()).map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(["echo", "get-sum"]));
    expect((await client.callTool("echo", { message: "hi from fastmcp-ts" })).text).toBe(
      "Echo: hi from fastmcp-ts",
    );
    expect((await client.callTool("get-sum", { a: 5, b: 3 })).text).toContain("8");

    // npx runs the server as a child of its own: every process of the tree must end on close.
    const pids = processTree(transport);
    expect(pids.length).toBeGreaterThanOrEqual(2);
    await client.close();
    await expectAllGone(pids);
  });

  it("fails with a ConnectionError when --no-install cannot find the package", async () => {
    const transport = new NpxStdioTransport({
      args: ["--no-install", "fastmcp-ts-no-such-package-for-tests"],
      cwd: ROOT,
      env: { npm_config_offline: "true", npm_config_update_notifier: "false" },
      stderr: "pipe",
    });
    const client = track(new Client(transport, { timeout: 20_000 }));
    const error = await client.connect().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toContain("exited with code");
  });
});

describe("NodeStdioTransport", () => {
  it("runs a .mjs server built on the official SDK, with args and env", async () => {
    const transport = new NodeStdioTransport({
      scriptPath: NODE_SERVER,
      args: ["--flag", "two words"],
      env: { FASTMCP_TEST_VALUE: "node-env" },
      stderr: "pipe",
    });
    expect(transport.command).toBe("node");
    const client = track(new Client(transport));
    await client.connect();
    expect(client.era).toBe("legacy");
    expect(client.serverInfo?.name).toBe("node-sdk-server");
    expect((await client.callTool("add", { a: 5, b: 3 })).text).toBe("8");
    const who = parseWhoami<{ argv: string[]; pid: number; env: Record<string, string | null> }>(
      (await client.callTool("whoami")).text,
    );
    expect(who.argv).toEqual(["--flag", "two words"]);
    expect(who.env).toEqual({ FASTMCP_TEST_VALUE: "node-env" });
    expect(who.pid).toBe(transport.pid);
    const pids = processTree(transport);
    await client.close();
    await expectAllGone(pids);
  });

  it("uses nodeExecutable when given", async () => {
    const transport = new NodeStdioTransport({
      scriptPath: NODE_SERVER,
      nodeExecutable: process.execPath,
      stderr: "pipe",
    });
    expect(transport.command).toBe(process.execPath);
    const client = track(new Client(transport));
    await client.connect();
    expect((await client.callTool("add", { a: 2, b: 2 })).text).toBe("4");
  });

  it('new Client("test/fixtures/node-server.mjs") auto-detects NodeStdioTransport', async () => {
    const path = relative(process.cwd(), NODE_SERVER);
    expect(path).toBe("test/fixtures/node-server.mjs");
    const client = track(new Client(path));
    expect(client.transport).toBeInstanceOf(NodeStdioTransport);
    await client.connect();
    expect((await client.callTool("add", { a: 5, b: 3 })).text).toBe("8");
    const pids = processTree(client.transport as StdioTransport);
    await client.close();
    await expectAllGone(pids);
  });

  it("rejects a missing script with a ConnectionError naming it", async () => {
    const missing = join(ROOT, "test/fixtures/no-such-server.mjs");
    const transport = new NodeStdioTransport({ scriptPath: missing });
    const client = track(new Client(transport));
    const error = await client.connect().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toContain(missing);
    expect(transport.pid).toBeUndefined();
  });
});
