/**
 * What `import("fastmcp-ts")` loads: never the code of features a user did not ask for (proxies,
 * OpenAPI, server and client OAuth, JOSE, YAML, the CLI). A fresh Node process imports the root entry
 * (the sources, through tsx) with a load hook that records every file module; the test fails when
 * a change starts loading one of these eagerly.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/paths.js";

const run = promisify(execFile);

const SCRIPT = `
import { register } from "node:module";
import { MessageChannel } from "node:worker_threads";
const { port1, port2 } = new MessageChannel();
const seen = [];
port1.on("message", (url) => seen.push(url));
port1.unref();
const hooks = "data:text/javascript," + encodeURIComponent(\`
  let port;
  export function initialize(data) { port = data.port; }
  export async function load(url, context, next) { if (url.startsWith("file:")) port.postMessage(url); return next(url, context); }
\`);
register(hooks, { data: { port: port2 }, transferList: [port2] });
await import(process.argv[1]);
await new Promise((resolve) => setImmediate(resolve));
process.stdout.write(JSON.stringify(seen));
`;

/** Paths (relative to the repository) of the modules `entry` loads. */
async function graphOf(entry: string): Promise<string[]> {
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", SCRIPT, `${ROOT}${entry}`],
    { cwd: ROOT, timeout: 60_000 },
  );
  return (JSON.parse(stdout) as string[]).map((url) => fileURLToPath(url).slice(ROOT.length));
}

/** Modules no plain server or client needs: each feature's own entry point or first use loads them. */
const MUST_NOT_LOAD = [
  /^src\/compose\/proxy\//,
  /^src\/compose\/openapi\//,
  /^src\/auth\/server\/(?!core\.ts$)/,
  // The bearer option, the provider interface and the `auth: "oauth"` shim that loads OAuth on first use.
  /^src\/auth\/client\/(?!bearer\.ts$|provider\.ts$|resolve\.ts$|lazy-oauth\.ts$)/,
  /^src\/cli\//,
  // Scale-out: fastmcp-ts/redis, the Store adapters and node-redis load only when a store is used.
  /^src\/stores\/redis\//,
  /^src\/stores\/shared-/,
  /node_modules\/(@redis|redis)\//,
  /node_modules\/jose\//,
  /node_modules\/yaml\//,
  /node_modules\/oidc-provider\//,
];

describe("the root entry's module graph", () => {
  let graph: string[];
  beforeAll(async () => {
    graph = await graphOf("src/index.ts");
  });

  it("loads the server and client core", () => {
    expect(graph).toContain("src/server/fastmcp.ts");
    expect(graph).toContain("src/client/client.ts");
  });

  it.each(MUST_NOT_LOAD.map((pattern) => [String(pattern), pattern] as const))(
    "does not load %s",
    (_name, pattern) => {
      expect(graph.filter((path) => pattern.test(path))).toEqual([]);
    },
  );
});
