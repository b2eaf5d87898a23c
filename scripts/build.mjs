// Builds dist/: ESM for Node with the dependencies left external (nothing of another package is
// bundled), plus the type declarations from tsc. What `import("fastmcp-ts")` and
// `import("fastmcp-ts/client")` load at once is one file per layer, and those files are the entries
// themselves (dist/index.js, with dist/client/index.js; layers.mjs says why); so is what a client's
// first connect() loads (chunks/client-connect.js, with chunks/connect-shared.js and
// chunks/protocol.js), and what a server loads once it serves (chunks/server-serve.js, with
// chunks/protocol.js); transports and features loaded on first use, and the other entry points, are
// code-split around them.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { addNeeds, buildLayer, buildRest, planLayers, writeLayeredEntry } from "./layers.mjs";

const OUTDIR = "dist";
const entryPoints = [
  "src/index.ts",
  "src/client/index.ts",
  "src/auth/client/index.ts",
  "src/auth/server/index.ts",
  "src/errors.ts",
  "src/middleware/index.ts",
  "src/compose/openapi/index.ts",
  "src/stores/redis/index.ts",
  "src/cli/main.ts",
];

rmSync(OUTDIR, { recursive: true, force: true });
/**
 * The client's connection code, loaded by its first `connect()` (the engine by any transport's
 * connect()): chunks/client-connect.js, and what it shares with the server's serving code.
 */
const CLIENT_CONNECT = [
  "src/protocol/engine.ts",
  "src/client/connection.ts",
  "src/transports/stdio/child.ts",
  "src/transports/stdio/launch-checks.ts",
  "src/transports/streamable-http/client-connection.ts",
  "src/transports/sse/client-connection.ts",
  "src/transports/ws/client-connection.ts",
];
/**
 * What a server needs once it serves, gathered by one module (server/serving.ts: the dispatcher,
 * sessions, exchanges, the hub, the stdio loop...), loaded by its first run(), listen(), session or
 * exchange: one file, chunks/server-serve.js.
 */
const SERVER_SERVE = ["src/server/serving.ts"];
const plan = await planLayers([
  {
    name: "client-core",
    entries: ["src/client/index.ts"],
    publish: true,
    // What the connection code shares with the root entry's graph loads with the client's classes,
    // so that connecting never loads the root's file.
    shares: { entries: ["src/index.ts"], loaded: CLIENT_CONNECT },
  },
  // What the client's connection code and the server's serving code share (line framing, transport
  // defaults, method tables; the request engine and JSON-RPC as well once the root's graph does not
  // need them, which server/session.ts does today): loaded by either, so that neither loads the
  // other's code and neither entry's import pays for it.
  { name: "protocol", common: [CLIENT_CONNECT, SERVER_SERVE] },
  { name: "server-core", entries: ["src/index.ts"], publish: true },
  // What code outside the layers shares with it (the HTTP server: header rules, the SSE parser; the
  // client's tasks: the answers to input requests) in a file of its own, so that a server's
  // listen() does not load the client's connection code.
  { name: "client-connect", entries: CLIENT_CONNECT, apart: "connect-shared" },
  { name: "server-serve", entries: SERVER_SERVE },
]);
// Each layer exports only what the files above it import: everything else first, then the layers
// from the top down.
const entries = [...new Set([...entryPoints, ...plan.dynamicTargets])];
const needed = new Map();
for (const entry of entries.filter((path) => plan.owner.has(path)))
  addNeeds(needed, await writeLayeredEntry(plan, entry, OUTDIR));
addNeeds(
  needed,
  await buildRest(
    plan,
    entries.filter((path) => !plan.owner.has(path)),
    OUTDIR,
  ),
);
for (const layer of [...plan.layers].reverse())
  addNeeds(needed, await buildLayer(plan, layer, OUTDIR, needed.get(layer.name) ?? new Set()));
execFileSync(
  process.execPath,
  ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json", "--emitDeclarationOnly"],
  { stdio: "inherit" },
);
