// Builds dist/: ESM for Node with the dependencies left external (nothing of another package is
// bundled), plus the type declarations from tsc. What `import("fastmcp-ts")` and
// `import("fastmcp-ts/client")` load at once is one file per layer (chunks/client-core.js,
// chunks/server-core.js; layers.mjs says why); transports and features loaded on first use, and the
// other entry points, are code-split around them.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { buildLayer, buildRest, planLayers, writeLayeredEntry } from "./layers.mjs";

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
const plan = await planLayers([
  { name: "client-core", entry: "src/client/index.ts" },
  { name: "server-core", entry: "src/index.ts" },
]);
for (const layer of plan.layers) await buildLayer(plan, layer, OUTDIR);
// Entry files (public, or imported dynamically by a lower layer) of layered modules re-export them.
const entries = [...new Set([...entryPoints, ...plan.dynamicTargets])];
for (const entry of entries.filter((path) => plan.owner.has(path)))
  await writeLayeredEntry(plan, entry, OUTDIR);
await buildRest(
  plan,
  entries.filter((path) => !plan.owner.has(path)),
  OUTDIR,
);
execFileSync(
  process.execPath,
  ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json", "--emitDeclarationOnly"],
  { stdio: "inherit" },
);
