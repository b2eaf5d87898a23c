/**
 * Our conformance client programs, bundled once per test file (esbuild, packages left to
 * node_modules): each scenario run then starts plain JavaScript instead of compiling TypeScript
 * through tsx, which on a busy 2-core machine is most of a client run's CPU. The bundle lives under
 * the repository (in .scratch/, ignored) so that its package imports resolve.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const scratch = fileURLToPath(new URL("../../.scratch/", import.meta.url));

/** Bundles the client program `name` (e.g. "client.ts", next to this file). */
export async function bundleClient(name: string): Promise<{ file: string; remove: () => Promise<void> }> {
  const { build } = await import("esbuild");
  await mkdir(scratch, { recursive: true });
  const dir = await mkdtemp(join(scratch, "conformance-client-"));
  const file = join(dir, "client.mjs");
  await build({
    entryPoints: [fileURLToPath(new URL(`./${name}`, import.meta.url))],
    outfile: file,
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    logLevel: "warning",
  });
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}
