/**
 * A real Python subprocess: the stdlib-only legacy server in test/fixtures/python_server.py, reached
 * through PythonStdioTransport, auto-detection of a `.py` path, and a plain command line. The
 * server answers `server/discover` with -32601 like every initialize-era server, so the client
 * must fall back to `initialize`.
 */
import { join, relative } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../../src/client/client.js";
import { ConnectionError } from "../../src/errors.js";
import { StdioTransport } from "../../src/transports/stdio/client.js";
import { PythonStdioTransport } from "../../src/transports/stdio/variants.js";
import { PYTHON_SERVER } from "../helpers/paths.js";
import { expectAllGone, isAlive, processTree } from "../helpers/processes.js";
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

const SECRET = "FASTMCP_TEST_SECRET";
beforeAll(() => {
  process.env[SECRET] = "must-not-leak";
});
afterAll(() => {
  delete process.env[SECRET];
});

/** Connects, checks the whole feature set of the fixture, closes and checks no process is left. */
async function exerciseServer(client: Client, transport: StdioTransport): Promise<void> {
  await client.connect();
  expect(client.era).toBe("legacy");
  expect(client.protocolVersion).toBe("2025-11-25");
  expect(client.serverInfo?.name).toBe("python-stdlib-server");
  expect(client.instructions).toBe("A Python test server.");
  const pids = processTree(transport);

  const tools = await client.listTools();
  expect(tools.map((tool) => tool.name)).toEqual(["add", "whoami"]);
  const sum = await client.callTool("add", { a: 5, b: 3 });
  expect(sum.text).toBe("8");
  expect(sum.isError).toBe(false);
  expect((await client.callTool("add", { a: 1.5, b: 2 })).text).toBe("3.5");

  const resources = await client.listResources();
  expect(resources.map((resource) => resource.uri)).toEqual(["config://python"]);
  const config = await client.readResource("config://python");
  expect(config.json()).toEqual({ language: "python", version: 3 });
  expect(config.contents[0]?.mimeType).toBe("application/json");

  const prompts = await client.listPrompts();
  expect(prompts.map((prompt) => prompt.name)).toEqual(["greet"]);
  const prompt = await client.getPrompt("greet", { name: "Ada" });
  expect(prompt.messages).toHaveLength(1);
  expect(prompt.messages[0]?.role).toBe("user");
  expect(prompt.text).toBe("Say hello to Ada");

  expect(await client.ping()).toBe(true);
  // The server saw the legacy handshake (its log lines go to stderr, never to stdout).
  expect(transport.stderrOutput).toContain("initialized with protocol 2025-11-25");
  expect(transport.stderrOutput).toContain("client confirmed initialization");

  await client.close();
  expect(transport.pid).toBeUndefined();
  await expectAllGone(pids);
}

describe("PythonStdioTransport", () => {
  it("runs the script, falls back from server/discover to initialize, and serves tools, resources and prompts", async () => {
    const transport = new PythonStdioTransport({ scriptPath: PYTHON_SERVER, stderr: "pipe" });
    expect(transport.scriptPath).toBe(PYTHON_SERVER);
    await exerciseServer(track(new Client(transport)), transport);
  });

  it("passes args and env to the script, and only a safe environment unless inheritEnv is set", async () => {
    const transport = new PythonStdioTransport({
      scriptPath: PYTHON_SERVER,
      args: ["--alpha", "two words", "ünïcode"],
      env: { FASTMCP_TEST_VALUE: "hello world", FASTMCP_TEST_OTHER: "2" },
      stderr: "pipe",
    });
    const client = track(new Client(transport));
    await client.connect();
    const who = parseWhoami((await client.callTool("whoami")).text);
    expect(who.argv).toEqual([PYTHON_SERVER, "--alpha", "two words", "ünïcode"]);
    expect(who.env).toEqual({ FASTMCP_TEST_VALUE: "hello world", FASTMCP_TEST_OTHER: "2" });
    await client.close();

    const inheriting = new PythonStdioTransport({
      scriptPath: PYTHON_SERVER,
      env: { FASTMCP_TEST_VALUE: "v" },
      inheritEnv: true,
      stderr: "pipe",
    });
    const client2 = track(new Client(inheriting));
    await client2.connect();
    const who2 = parseWhoami((await client2.callTool("whoami")).text);
    expect(who2.env).toEqual({ FASTMCP_TEST_VALUE: "v", [SECRET]: "must-not-leak" });
  });

  it("runs the script in the given cwd", async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const transport = new PythonStdioTransport({ scriptPath: PYTHON_SERVER, cwd: dir, stderr: "pipe" });
    const client = track(new Client(transport));
    await client.connect();
    const who = parseWhoami<{ cwd: string }>((await client.callTool("whoami")).text);
    const { realpathSync } = await import("node:fs");
    expect(realpathSync(who.cwd)).toBe(realpathSync(dir));
  });

  describe("default interpreter: python, else python3 on PATH", () => {
    function standInDir(names: string[]): { dir: string; record: string } {
      const { dir, cleanup } = tempDir();
      cleanups.push(cleanup);
      const record = join(dir, "record.jsonl");
      for (const name of names) writeStandIn(join(dir, name), { record });
      return { dir, record };
    }

    async function whoRan(options: { names: string[]; pythonExecutable?: string }): Promise<string[]> {
      const { dir, record } = standInDir(options.names);
      const transport = new PythonStdioTransport({
        scriptPath: PYTHON_SERVER,
        ...(options.pythonExecutable ? { pythonExecutable: join(dir, options.pythonExecutable) } : {}),
        args: ["--x"],
        env: { PATH: dir },
        stderr: "pipe",
      });
      const client = track(new Client(transport));
      await client.connect();
      expect((await client.callTool("add", { a: 5, b: 3 })).text).toBe("8");
      const pids = processTree(transport);
      await client.close();
      await expectAllGone(pids);
      const runs = readRecord(record);
      for (const run of runs) expect(run.argv).toEqual([PYTHON_SERVER, "--x"]);
      return runs.map((run) => run.prog);
    }

    it("uses python when it is on PATH", async () => {
      expect(await whoRan({ names: ["python", "python3"] })).toEqual(["python"]);
    });

    it("uses python3 when python is not on PATH", async () => {
      expect(await whoRan({ names: ["python3"] })).toEqual(["python3"]);
    });

    it("uses pythonExecutable when given", async () => {
      expect(
        await whoRan({ names: ["python", "python3", "my-python"], pythonExecutable: "my-python" }),
      ).toEqual(["my-python"]);
    });

    it("fails with a ConnectionError naming python when no interpreter is on PATH", async () => {
      const { dir } = standInDir([]);
      const client = track(
        new Client(
          new PythonStdioTransport({ scriptPath: PYTHON_SERVER, env: { PATH: dir }, stderr: "pipe" }),
        ),
      );
      const error = await client.connect().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(/"python".*command not found/);
    });
  });

  it("rejects a missing script with a ConnectionError naming it, without starting a process", async () => {
    const missing = join(PYTHON_SERVER, "..", "no_such_server.py");
    const transport = new PythonStdioTransport({ scriptPath: missing });
    const client = track(new Client(transport));
    const error = await client.connect().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toContain("Python script not found");
    expect((error as Error).message).toContain(missing);
    expect(transport.pid).toBeUndefined();
    expect(client.connected).toBe(false);

    const autodetected = track(new Client("does/not/exist.py"));
    await expect(autodetected.connect()).rejects.toThrow(
      expect.objectContaining({
        name: "ConnectionError",
        message: expect.stringContaining("does/not/exist.py"),
      }),
    );
  });

  it("fails a request with ConnectionError when the server process dies", async () => {
    const transport = new PythonStdioTransport({ scriptPath: PYTHON_SERVER, stderr: "pipe" });
    const client = track(new Client(transport));
    await client.connect();
    const pid = transport.pid as number;
    process.kill(pid, "SIGKILL");
    const error = await client.callTool("add", { a: 1, b: 2 }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/killed by SIGKILL|not running|closed/);
    await client.close();
    expect(isAlive(pid)).toBe(false);
  });
});

describe("auto-detection of Python servers", () => {
  it('new Client("test/fixtures/python_server.py") runs it with PythonStdioTransport', async () => {
    const path = relative(process.cwd(), PYTHON_SERVER);
    expect(path).toBe("test/fixtures/python_server.py");
    const client = track(new Client(path));
    expect(client.transport).toBeInstanceOf(PythonStdioTransport);
    const transport = client.transport as PythonStdioTransport;
    expect(transport.scriptPath).toBe(path);
    await client.connect();
    expect(client.era).toBe("legacy");
    expect((await client.callTool("add", { a: 5, b: 3 })).text).toBe("8");
    const who = parseWhoami((await client.callTool("whoami")).text);
    expect(who.argv).toEqual([path]);
    const pids = processTree(transport);
    await client.close();
    await expectAllGone(pids);
  });

  it('new Client("python3 test/fixtures/python_server.py") runs the command line with StdioTransport', async () => {
    const path = relative(process.cwd(), PYTHON_SERVER);
    const client = track(new Client(`python3 ${path}`));
    expect(client.transport).toBeInstanceOf(StdioTransport);
    expect(client.transport).not.toBeInstanceOf(PythonStdioTransport);
    const transport = client.transport as StdioTransport;
    expect(transport.command).toBe("python3");
    expect(transport.args).toEqual([path]);
    await exerciseServer(client, transport);
  });

  it("honours quotes in a command line and passes each word as one argument", async () => {
    const path = relative(process.cwd(), PYTHON_SERVER);
    const client = track(new Client(`python3 ${path} --name "two words" 'it''s' plain`));
    await client.connect();
    expect(client.era).toBe("legacy");
    const who = parseWhoami((await client.callTool("whoami")).text);
    expect(who.argv).toEqual([path, "--name", "two words", "its", "plain"]);
  });
});
