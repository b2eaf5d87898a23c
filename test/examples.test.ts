/**
 * Every file of examples/ runs as its header says: servers over real stdio and HTTP (subprocesses
 * run with tsx, which maps `fastmcp-ts` to src/ through tsconfig.json), clients and scripts as
 * programs whose output is checked. examples/testing.test.ts runs as a test file of its own.
 * Everything starts at once in beforeAll, so the file takes about as long as its slowest program.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, McpError, StdioTransport, ToolError } from "../src/index.js";
import { ROOT } from "./helpers/paths.js";
import { servingUrl } from "./helpers/processes.js";
import { within } from "./helpers/wait.js";

const exec = promisify(execFile);
const TSX = ["--import", "tsx"];

/** Runs an example program to its end; resolves with its stdout, rejects with its stderr. */
function runExample(file: string, args: string[] = []): Promise<string> {
  return exec(process.execPath, [...TSX, file, ...args], { cwd: ROOT, timeout: 110_000 }).then(
    ({ stdout }) => stdout,
  );
}

const servers: ChildProcess[] = [];

/** Starts an HTTP server example on a free port; resolves with the URL it prints on stderr. */
function serveExample(file: string, env: Record<string, string> = {}): Promise<string> {
  const child = spawn(process.execPath, [...TSX, file], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  servers.push(child);
  const { url } = servingUrl(child, file);
  return within(url, 60_000, `${file} to print its URL`);
}

function stdioExample(file: string): StdioTransport {
  return new StdioTransport(process.execPath, [...TSX, file], { cwd: ROOT, stderr: "pipe" });
}

/** Settles to the value or the error, so one failing program fails its own test only. */
function settle<T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

async function output<T>(settled: Promise<{ value: T } | { error: unknown }>): Promise<T> {
  const outcome = await settled;
  if ("error" in outcome) throw outcome.error;
  return outcome.value;
}

let demo: Promise<{ value: string } | { error: unknown }>;
let firstClient: Promise<{ value: string } | { error: unknown }>;
let httpClient: Promise<{ value: string } | { error: unknown }>;
let contextClient: Promise<{ value: string } | { error: unknown }>;
let eras: Promise<{ value: string } | { error: unknown }>;
let authClient: Promise<{ value: string } | { error: unknown }>;
let authUrl: Promise<string>;
let httpUrl: Promise<string>;

beforeAll(() => {
  demo = settle(runExample("examples/demo.ts"));
  firstClient = settle(runExample("examples/client.ts"));
  contextClient = settle(runExample("examples/context-client.ts"));
  eras = settle(runExample("examples/eras.ts"));
  httpUrl = serveExample("examples/http-server.ts");
  httpUrl.catch(() => {}); // awaited by its tests
  httpClient = settle(httpUrl.then((url) => runExample("examples/client.ts", [url])));
  authUrl = serveExample("examples/auth-server.ts", { MCP_TOKEN: "example-token" });
  authUrl.catch(() => {}); // awaited by its tests
  authClient = settle(authUrl.then((url) => runExample("examples/auth-client.ts", [url, "example-token"])));
});

afterAll(async () => {
  await Promise.all(
    servers.map((child) =>
      child.exitCode === null && child.signalCode === null
        ? new Promise((resolve) => {
            child.once("exit", resolve);
            child.kill("SIGTERM");
          })
        : undefined,
    ),
  );
});

// Each test awaits a program started in beforeAll; together they take ~30 s of CPU, so on a busy
// 2-core machine the last may finish a minute after the first started.
describe.concurrent("examples", { timeout: 120_000 }, () => {
  it("demo.ts (npm start) exchanges messages in memory, over stdio, HTTP, SSE and WebSocket, in both eras", async () => {
    const stdout = await output(demo);
    expect(stdout.match(/tools\/call add \{a: 5, b: 3\}\s+8/g)).toHaveLength(8);
    expect(stdout.match(/Booked 3 nights in Porto/g)).toHaveLength(8);
    expect(stdout).toContain("Over Streamable HTTP (http://127.0.0.1:");
    expect(stdout).toContain("Over WebSocket (ws://127.0.0.1:");
    expect(stdout).toMatch(/server added a tool, client got\s+notifications\/tools\/list_changed/);
    expect(stdout).toContain("2026-07-28 (modern era)");
    expect(stdout).toContain("2025-11-25 (legacy era)");
    expect(stdout).toContain("2025-06-18 (legacy era)");
    expect(stdout).toContain("Over stdio (a real subprocess)");
    expect(stdout).toContain("ToolError Cannot divide by zero");
    expect(stdout).toContain("Say hello to Ada, warmly.");
  });

  it("client.ts starts first-server.ts over stdio and calls its tool, resource and prompt", async () => {
    expect(await output(firstClient)).toBe(
      [
        "connected to First Server over 2026-07-28",
        "tools: add",
        "add(5, 3) = 8",
        'config://app: {"theme":"dark"}',
        "greet: Say hello to Ada.",
        "",
      ].join("\n"),
    );
  });

  it("client.ts reaches http-server.ts over Streamable HTTP", async () => {
    const stdout = await output(httpClient);
    expect(stdout).toContain("connected to HTTP Server over 2026-07-28");
    expect(stdout).toContain("add(5, 3) = 8");
    expect(stdout).toContain("greet: Say hello to Ada.");
  });

  it("context-client.ts shows context-server.ts's logs and progress and answers its question", async () => {
    expect(await output(contextClient)).toBe(
      [
        "log info: importing 3 files",
        "progress 1/3 file 1",
        "progress 2/3 file 2",
        "progress 3/3 file 3",
        "imported 3 files",
        "asked: How many people on Friday?",
        "Table for 4 on Friday",
        "",
      ].join("\n"),
    );
  });

  it("eras.ts: one endpoint, negotiated 2026-07-28 and pinned legacy revisions, elicitation in each", async () => {
    const stdout = await output(eras);
    expect(stdout).toMatch(
      /negotiated\s+2026-07-28 modern era\n\s+server saw\s+2026-07-28 \(modern\), session none/,
    );
    expect(stdout).toMatch(
      /pinned to 2025-11-25\s+2025-11-25 legacy era\n\s+server saw\s+2025-11-25 \(legacy\), session [\w-]{8,}/,
    );
    expect(stdout).toMatch(/pinned to 2024-11-05\s+2024-11-05 legacy era/);
    expect(stdout.match(/elicitation\s+confirmed/g)).toHaveLength(3);
  });

  it("auth-client.ts gets in with its token as alice, is refused without one, and never sees the admin tool", async () => {
    const stdout = await output(authClient);
    expect(stdout).toContain("You are alice\n");
    expect(stdout).toContain("tools: whoami\n");
    expect(stdout).toMatch(/without a token: HTTP 401/);
  });

  it("auth-server.ts refuses a wrong token and hides the admin tool even when called by name", async () => {
    const url = await authUrl;
    await expect(Client.connect(url, { auth: "not-the-token" })).rejects.toThrow(/401/);
    await using client = await Client.connect(url, { auth: "example-token" });
    await expect(client.callTool("shutdown")).rejects.toThrow(/shutdown/);
    expect((await client.callTool("whoami")).text).toBe("You are alice");
  });

  it("middleware-server.ts hides underscore tools from lists and calls, and refuses negative numbers", async () => {
    await using client = await Client.connect(stdioExample("examples/middleware-server.ts"));
    expect((await client.listTools()).map((tool) => tool.name)).toEqual(["add"]);
    expect((await client.callTool("add", { a: 2, b: 3 })).text).toBe("5");
    const hidden = await client.callTool("_reindex").catch((error: unknown) => error);
    expect(hidden).toBeInstanceOf(McpError);
    expect((hidden as McpError).message).toMatch(/_reindex/);
    const negative = await client.callTool("add", { a: -1, b: 3 }).catch((error: unknown) => error);
    expect(negative).toBeInstanceOf(ToolError);
    expect((negative as ToolError).message).toBe("add: negative numbers are not allowed here");
  });

  it("resources-server.ts serves resources, a template with completion, and tells subscribers of changes", async () => {
    await using client = await Client.connect(stdioExample("examples/resources-server.ts"));
    expect((await client.listResources()).map((resource) => resource.uri)).toEqual([
      "notes://index",
      "notes://readme",
    ]);
    expect((await client.listResourceTemplates()).map((template) => template.uriTemplate)).toEqual([
      "notes://{name}",
    ]);
    expect((await client.readResource("notes://index")).json()).toEqual(["groceries", "garden"]);
    expect((await client.readResource("notes://readme")).contents[0]?.mimeType).toBe("text/markdown");
    expect((await client.readResource("notes://groceries")).text).toBe("eggs, milk, coffee");
    const completion = await client.complete(
      { type: "ref/resource", uri: "notes://{name}" },
      { name: "name", value: "g" },
    );
    expect(completion.values).toEqual(["groceries", "garden"]);
    await expect(client.readResource("notes://nothing")).rejects.toThrow("No note named nothing");

    await using changes = await client.listen({ resourceSubscriptions: ["notes://garden"] });
    const next = changes.next();
    await client.callTool("append", { name: "garden", line: "pick the beans" });
    expect((await next).value).toMatchObject({
      method: "notifications/resources/updated",
      params: { uri: "notes://garden" },
    });
    expect((await client.readResource("notes://garden")).text).toBe("water the tomatoes\npick the beans");
  });

  it("a hostile argument to http-server.ts is a clear error and the server stays up", async () => {
    await using client = await Client.connect(await httpUrl);
    await expect(client.callTool("add", { a: "1; rm -rf /", b: 2 })).rejects.toThrow(/a: /);
    await expect(client.callTool("add", { a: 1 })).rejects.toThrow(/b: /);
    await expect(client.getPrompt("greet", {})).rejects.toThrow(/name/);
    await expect(client.readResource("config://../../etc/passwd")).rejects.toThrow();
    expect((await client.callTool("add", { a: 1, b: 2 })).text).toBe("3");
  });

  it("client.ts given a URL where no server listens fails with a clear error", async () => {
    const failed = await runExample("examples/client.ts", ["http://127.0.0.1:1/mcp"]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/ConnectionError/);
  });
});
