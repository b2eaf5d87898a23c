/**
 * TypeScript programs the tests spawn (fixture servers, conformance clients), bundled once per test
 * file with esbuild, packages left to node_modules: each spawn then starts plain JavaScript instead
 * of compiling TypeScript through tsx (`node --import tsx`), which costs about 1.5 s of CPU a
 * start, most of a short-lived server's. The bundle lives under the repository (in .scratch/,
 * ignored) so that its package imports resolve.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { fixture, ROOT } from "./paths.js";

export interface Bundle {
  /** The bundled program, an ES module. */
  file: string;
  remove(): Promise<void>;
}

/** Bundles the program `entry` (an absolute path) into a fresh directory of .scratch/. */
export async function bundleProgram(entry: string): Promise<Bundle> {
  const { build } = await import("esbuild");
  const scratch = join(ROOT, ".scratch");
  await mkdir(scratch, { recursive: true });
  const dir = await mkdtemp(join(scratch, `bundle-${basename(entry).replace(/\.[^.]+$/, "")}-`));
  const file = join(dir, "program.mjs");
  await build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    logLevel: "warning",
  });
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A file of test/fixtures bundled for the calling test file (built in `beforeAll`, removed in
 * `afterAll`); the returned function gives the `node` arguments that start it, in place of
 * `fixtureArgs(file)`. Call it at the top level of a test file or in a `describe`.
 */
export function bundledFixture(file: string): () => string[] {
  let bundle: Bundle | undefined;
  beforeAll(async () => {
    bundle = await bundleProgram(fixture(file));
  });
  afterAll(async () => {
    await bundle?.remove();
  });
  return () => {
    if (!bundle) throw new Error(`${file} is not bundled yet (bundledFixture runs in beforeAll)`);
    return [bundle.file];
  };
}
