/**
 * `fastmcp-ts dev`: the Inspector launch recorded by a fake `npx` on PATH; the server command it
 * was given is then started like the Inspector would, and reloads on change with the client
 * connected (a legacy session carries on through the replayed initialize; a 2026-07-28 client too).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, StdioTransport } from "../../src/index.js";
import type { JSONRPCNotification } from "../../src/protocol/types.js";
import { runCli, startCli } from "../helpers/cli.js";
import { ROOT } from "../helpers/paths.js";
import { until } from "../helpers/wait.js";

const INDEX = pathToFileURL(join(ROOT, "src/index.ts")).href;

function serverSource(version: string): string {
  return `import { FastMCP } from ${JSON.stringify(INDEX)};
export const mcp = new FastMCP({ name: "reloading", version: "1.0.0" });
mcp.tool("version", () => ${JSON.stringify(version)});
`;
}

/** A client of the server command, counting the tools/list_changed notifications it gets. */
async function connect(command: string[], protocolVersion?: string) {
  let changes = 0;
  const waiters: (() => void)[] = [];
  const [program, ...args] = command as [string, ...string[]];
  const client = await Client.connect(new StdioTransport(program, args, { stderr: "pipe" }), {
    ...(protocolVersion ? { protocolVersion } : {}),
    onNotification: (notification: JSONRPCNotification) => {
      if (notification.method !== "notifications/tools/list_changed") return;
      changes++;
      for (const wake of waiters.splice(0)) wake();
    },
  });
  /** Resolves once more list_changed notifications than `seen` have arrived. */
  const changed = (seen: number) =>
    new Promise<void>((resolve) => {
      const check = () => (changes > seen ? resolve() : waiters.push(check));
      check();
    });
  return { client, changed, count: () => changes };
}

describe("fastmcp-ts dev", { timeout: 90_000 }, () => {
  let dir: string;
  let bin: string;
  let record: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "fastmcp-dev-"));
    bin = join(dir, "bin");
    mkdirSync(bin);
    mkdirSync(join(dir, "server"));
    file = join(dir, "server", "server.ts");
    writeFileSync(file, serverSource("v1"));
    record = join(dir, "npx.json");
    // A recording `npx`: its arguments and the Inspector's port variables, then exit 0.
    const npx = join(bin, "npx");
    writeFileSync(
      npx,
      `#!${process.execPath}
const { CLIENT_PORT, SERVER_PORT } = process.env;
require("node:fs").writeFileSync(process.env.NPX_RECORD, JSON.stringify({ args: process.argv.slice(2), CLIENT_PORT, SERVER_PORT }));
`,
    );
    chmodSync(npx, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("launches the Inspector with the server; the server reloads on change while clients stay connected", async () => {
    const launched = await runCli(
      ["dev", file, "--ui-port", "6280", "--server-port", "6281", "--inspector-version", "0.17.0"],
      { env: { PATH: `${bin}:${process.env.PATH}`, NPX_RECORD: record } },
    );
    expect(launched.stderr).toContain("starting the MCP Inspector");
    expect(launched.code).toBe(0);
    const recorded = JSON.parse(readFileSync(record, "utf8"));
    expect(recorded.CLIENT_PORT).toBe("6280");
    expect(recorded.SERVER_PORT).toBe("6281");
    const [inspector, ...server] = recorded.args as [string, ...string[]];
    expect(inspector).toBe("@modelcontextprotocol/inspector@0.17.0");
    expect(server[0]).toBe(process.execPath);
    expect(server.slice(-3)).toEqual(["run", file, "--reload"]);

    const legacy = await connect(server, "2025-11-25");
    const modern = await connect(server);
    try {
      expect((await legacy.client.callTool("version")).text).toBe("v1");
      expect((await modern.client.callTool("version")).text).toBe("v1");

      let seen = [legacy.count(), modern.count()];
      writeFileSync(file, serverSource("v2"));
      await Promise.all([legacy.changed(seen[0] as number), modern.changed(seen[1] as number)]);
      expect((await legacy.client.callTool("version")).text).toBe("v2");
      expect((await modern.client.callTool("version")).text).toBe("v2");

      // A file that fails to load: requests get an error, the supervisor stays, the next save recovers.
      writeFileSync(file, 'throw new Error("half-written");\n');
      await until(
        async () => {
          const outcome = await legacy.client.callTool("version").then(
            () => "",
            (error: Error) => error.message,
          );
          return /not running|stopped|restarted/.test(outcome);
        },
        30_000,
        "the broken server to be reported",
      );
      seen = [legacy.count(), modern.count()];
      writeFileSync(file, serverSource("v3"));
      await legacy.changed(seen[0] as number);
      expect((await legacy.client.callTool("version")).text).toBe("v3");
    } finally {
      await legacy.client.close();
      await modern.client.close();
    }
  });

  it("run --reload over HTTP restarts the server on change, serving the new code", async () => {
    const httpFile = join(dir, "http", "server.ts");
    mkdirSync(join(dir, "http"));
    writeFileSync(httpFile, serverSource("h1"));
    const running = startCli(["run", httpFile, "--reload", "--transport", "http", "--port", "0"]);
    try {
      const first = await running.url;
      {
        await using client = await Client.connect(first);
        expect((await client.callTool("version")).text).toBe("h1");
      }
      writeFileSync(httpFile, serverSource("h2"));
      const second = await new Promise<string>((resolve) => {
        const look = () => {
          const urls = [...running.stderr().matchAll(/serving http (\S+)/g)].map(
            (match) => match[1] as string,
          );
          if (urls.length > 1) resolve(urls[1] as string);
          else running.child.stderr.once("data", look);
        };
        look();
      });
      await using client = await Client.connect(second);
      expect((await client.callTool("version")).text).toBe("h2");
    } finally {
      expect(await running.stop()).toBe(0);
    }
  });

  it("says when npx is missing, and takes only a server file or a fastmcp.json", async () => {
    const empty = join(dir, "empty-bin");
    mkdirSync(empty);
    const [noNpx, url] = await Promise.all([
      runCli(["dev", file], { env: { PATH: empty } }),
      runCli(["dev", "http://127.0.0.1:9/mcp"]),
    ]);
    expect(noNpx.code).toBe(1);
    expect(noNpx.stderr).toContain(
      "fastmcp-ts: npx was not found on PATH: the MCP Inspector runs through npx (it comes with npm)",
    );
    expect(url.code).toBe(2);
    expect(url.stderr).toContain("dev takes a server file (.ts or .js) or a fastmcp.json");
  });
});
