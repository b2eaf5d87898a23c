/**
 * Stand-in executables for the stdio launcher tests: temporary directories, scripts that record
 * how they were called and then run a real server, and what they recorded.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PYTHON_SERVER } from "./paths.js";

/** The real Python interpreter (not a pyenv shim), so stand-ins can run with an empty PATH. */
export const REAL_PYTHON: string = execFileSync(
  "python3",
  ["-c", "import sys; sys.stdout.write(sys.executable)"],
  { encoding: "utf8" },
).trim();

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = "fastmcp-stdio-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeExecutable(path: string, text: string): string {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

/**
 * Writes a Python stand-in for a launcher (uv, uvx, python...) that appends
 * `{"prog": <its name>, "argv": [...its arguments]}` as one JSON line to `record`, then replaces
 * itself with the real interpreter running `server` with the arguments `forward` picks.
 *
 * `forward` is Python source of a function body receiving `args` (the stand-in's arguments) and
 * returning the arguments to pass the server.
 */
export function writeStandIn(
  path: string,
  options: { record: string; server?: string; forward?: string },
): string {
  const forward = options.forward ?? "return args";
  const server = options.server ?? PYTHON_SERVER;
  const body = forward
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
  return writeExecutable(
    path,
    `#!${REAL_PYTHON}
import json, os, sys

def forward(args):
${body}

with open(${JSON.stringify(options.record)}, "a") as record:
    record.write(json.dumps({"prog": os.path.basename(sys.argv[0]), "argv": sys.argv[1:]}) + "\\n")
os.execv(${JSON.stringify(REAL_PYTHON)}, [${JSON.stringify(REAL_PYTHON)}, ${JSON.stringify(server)}] + forward(sys.argv[1:]))
`,
  );
}

/** The JSON lines a stand-in recorded. */
export function readRecord(record: string): Array<{ prog: string; argv: string[] }> {
  let text: string;
  try {
    text = readFileSync(record, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { prog: string; argv: string[] });
}

/** The JSON a `whoami` tool answered. */
export function parseWhoami<T = { argv: string[]; env: Record<string, string>; executable?: string }>(
  text: string,
): T {
  return JSON.parse(text) as T;
}
