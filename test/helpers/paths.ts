/** Paths of the repository and its test fixtures. */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: servers are spawned there so `--import tsx` resolves. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A file of test/fixtures. */
export function fixture(file: string): string {
  return join(ROOT, "test/fixtures", file);
}

export const PYTHON_SERVER = fixture("python_server.py");
export const NODE_SERVER = fixture("node-server.mjs");
export const MATRIX_SERVER = fixture("matrix-server.ts");

/** `node --import tsx <fixture>` arguments for a file of test/fixtures. */
export function fixtureArgs(file: string): string[] {
  return ["--import", "tsx", fixture(file)];
}
