// The published package itself: dist/ as `npm run build` leaves it, imported by the package's own
// name as a user's code imports it. The rest of the suite runs the sources; this file checks what
// the build adds (the layer files, their internal re-exports, the lazily loaded chunks) by using
// the package end to end over every transport, in both protocol eras. Run by `npm test` after the
// build: `node --test test/package/`.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("package.json", `file://${ROOT}`), "utf8"));
const run = promisify(execFile);

const { Client, FastMCP, SSETransport, StreamableHttpTransport, WSTransport, ToolError } = await import(
  "fastmcp-ts"
);
const { createServer } = await import("../fixtures/package-server.mjs");

/** Connects a Client to `target`, runs `exercise` on it, and closes it (Node 20 has no `await using`). */
async function check(target, options) {
  const client = new Client(target, options);
  try {
    await client.connect();
    await exercise(client);
  } finally {
    await client.close();
  }
}

/** Every check a user makes of one connected client: a tool, a template, a prompt, an error. */
async function exercise(client) {
  assert.equal((await client.callTool("add", { a: 2, b: 3 })).text, "5");
  assert.deepEqual(
    (await client.listTools()).map((tool) => tool.name),
    ["add"],
  );
  assert.equal((await client.readResource("greeting://ada")).text, "Hello, ada!");
  assert.equal((await client.getPrompt("review", { code: "x = 1" })).text, "Review: x = 1");
  // Invalid arguments: the tool's error, as the client raises it (the class from the same package).
  await assert.rejects(client.callTool("add", { a: "two", b: 3 }), (error) => {
    assert.ok(error instanceof ToolError, String(error));
    assert.match(error.message, /Invalid arguments for tool add: a:/);
    return true;
  });
}

describe("the built package", () => {
  it("every entry point imports, and every value it exports is defined", async () => {
    for (const entry of Object.keys(pkg.exports).filter((key) => key !== "./package.json")) {
      const name = entry === "." ? pkg.name : `${pkg.name}/${entry.slice(2)}`;
      const module = await import(name);
      const missing = Object.keys(module).filter((key) => module[key] === undefined);
      assert.deepEqual(missing, [], `${name} exports undefined values`);
      assert.ok(Object.keys(module).length > 0, `${name} exports nothing`);
    }
    // The classes are the same objects whichever entry gives them.
    assert.equal((await import("fastmcp-ts/client")).Client, Client);
    assert.equal((await import("fastmcp-ts/exceptions")).ToolError, ToolError);
  });

  it("each entry point exports at run time the values its types declare, and one internal object", async () => {
    const ts = (await import("typescript")).default;
    const entries = Object.entries(pkg.exports).filter(([key]) => key !== "./package.json");
    const program = ts.createProgram(
      entries.map(([, target]) => `${ROOT}${target.types.slice(2)}`),
      { noEmit: true, skipLibCheck: true },
    );
    const checker = program.getTypeChecker();
    for (const [entry, target] of entries) {
      const name = entry === "." ? pkg.name : `${pkg.name}/${entry.slice(2)}`;
      const file = program.getSourceFile(`${ROOT}${target.types.slice(2)}`);
      const declared = checker
        .getExportsOfModule(checker.getSymbolAtLocation(file))
        .filter(
          (symbol) =>
            (ts.SymbolFlags.Value &
              (symbol.flags |
                (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol).flags : 0))) !==
            0,
        )
        .map((symbol) => symbol.name)
        .sort();
      // The layer files that are entries (the root, /client) hold the bindings other files of the
      // package import, in one object: the only name beyond the declared ones.
      const present = Object.keys(await import(name)).filter((key) => key !== "__fastmcp_internal");
      assert.deepEqual(present.sort(), declared, `${name}: run-time exports differ from its types`);
    }
  });

  for (const protocolVersion of [undefined, "2025-11-25"]) {
    const era = protocolVersion ?? "default (2026-07-28)";

    it(`in memory, ${era}`, async () => {
      await check(createServer(), { protocolVersion });
    });

    it(`over stdio, a subprocess of the server script, ${era}`, async () => {
      await check(fileURLToPath(new URL("../fixtures/package-server.mjs", import.meta.url)), {
        protocolVersion,
      });
    });
  }

  describe("over the network transports of one listen()", async () => {
    const server = createServer();
    const listening = await server.listen({ transport: ["http", "sse", "ws"], host: "127.0.0.1", port: 0 });
    after(() => listening.close());

    for (const protocolVersion of [undefined, "2025-11-25"])
      it(`Streamable HTTP, ${protocolVersion ?? "default (2026-07-28)"}`, async () => {
        await check(new StreamableHttpTransport(listening.urls.http), { protocolVersion });
      });

    it("legacy HTTP+SSE", async () => {
      await check(new SSETransport(listening.urls.sse));
    });

    it("WebSocket", async () => {
      await check(new WSTransport(listening.urls.ws));
    });
  });

  it("an import of the root loads no Node built-in and no network or serving code", async () => {
    const script = `
      import { register } from "node:module";
      import { MessageChannel } from "node:worker_threads";
      const { port1, port2 } = new MessageChannel();
      const seen = [];
      const SENTINEL = "data:text/javascript,export%20default%201";
      let sentinelSeen;
      const allSeen = new Promise((resolve) => (sentinelSeen = resolve));
      port1.on("message", (url) => (url === SENTINEL ? sentinelSeen() : seen.push(url)));
      register("data:text/javascript," + encodeURIComponent(\`
        let port;
        export function initialize(data) { port = data.port; }
        export async function load(url, context, next) { port.postMessage(url); return next(url, context); }
      \`), { data: { port: port2 }, transferList: [port2] });
      const mcp = new (await import("fastmcp-ts")).FastMCP("x");
      mcp.tool("t", () => "ok");
      // The hook's messages arrive in order on the event loop: a last import's message comes after
      // every earlier one.
      await import(SENTINEL);
      await allSeen;
      port1.close();
      process.stdout.write(JSON.stringify(seen));
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT });
    const loaded = JSON.parse(stdout);
    assert.deepEqual(
      loaded.filter((url) => url.startsWith("node:")),
      [],
      "an import loads no Node built-in",
    );
    const files = loaded
      .filter((url) => url.startsWith("file:"))
      .map((url) => url.slice(`file://${ROOT}`.length));
    assert.ok(files.includes("dist/index.js"), files.join(", "));
    for (const file of files)
      assert.match(file, /^dist\/(index\.js|client\/index\.js)$/, `the import loaded ${file}`);
  });
});

// FastMCP is the class the fixture's server is made of: one copy of the package in the process.
assert.ok(createServer() instanceof FastMCP);
