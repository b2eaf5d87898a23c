// Builds dist/: one ESM bundle per entry point (shared code split into chunks, lazily imported
// transports in chunks of their own) so a server starts by loading a handful of files, plus the
// type declarations from tsc. Dependencies stay external: nothing of another package is bundled.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { build } from "esbuild";

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

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints,
  outdir: "dist",
  outbase: "src",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  sourcemap: true,
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
});
execFileSync(
  process.execPath,
  ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json", "--emitDeclarationOnly"],
  {
    stdio: "inherit",
  },
);
