/**
 * Runs the official conformance suite (`@modelcontextprotocol/conformance`, installed twice under
 * npm aliases: `conformance-v1` = 0.1.x, `conformance-v2` = 0.2.0-alpha) one scenario at a time and
 * reads back its `checks.json`. A scenario counts as passed only when the suite itself says so, by
 * its exit status (client side: no FAILURE, no WARNING, no timeout, and the client program exited
 * 0; server side: no FAILURE), it recorded at least one SUCCESS (a scenario with zero checks, or
 * only SKIPPED/INFO/WARNING ones, did not pass), and no WARNING (server side too).
 *
 * Both lines import `fs.globSync` (Node 22+); on Node 20 they run with our preload
 * `globsync-preload.mjs` (`node --import`), which supplies it.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { CliPool } from "./cli-pool.js";

export type Line = "v1" | "v2";
export type Side = "server" | "client";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const PRELOAD = join(here, "globsync-preload.mjs");
/** The repository root: the CLI (and the client command it spawns) runs there, so `--import tsx` resolves. */
const ROOT = join(here, "..", "..");

/** The CLI entry of one line (resolved through the npm alias). */
export function suiteBin(line: Line): string {
  const pkg = require.resolve(`conformance-${line}/package.json`);
  return join(dirname(pkg), "dist", "index.js");
}

/** Long-lived hosts for runs of one line's CLI (see cli-pool.ts). */
export function cliPool(line: Line): CliPool {
  return new CliPool(suiteBin(line), ROOT);
}

/** The exact version of one line, as installed. */
export function suiteVersion(line: Line): string {
  return (require(`conformance-${line}/package.json`) as { version: string }).version;
}

function nodeArgs(line: Line, args: string[]): string[] {
  return ["--import", PRELOAD, suiteBin(line), ...args];
}

export interface ListedScenario {
  name: string;
  /** The bracketed tags the suite prints: spec versions, "extension", "draft". */
  tags: string[];
}

/** `conformance list --server|--client [--spec-version V]`, parsed. */
export function listScenarios(line: Line, side: Side, specVersion?: string): ListedScenario[] {
  const args = ["list", `--${side}`];
  if (specVersion) args.push("--spec-version", specVersion);
  const out = execFileSync(process.execPath, nodeArgs(line, args), { encoding: "utf8" });
  const scenarios: ListedScenario[] = [];
  for (const match of out.matchAll(/^\s+- (\S+)(?: \[([^\]]*)\])?$/gm)) {
    scenarios.push({ name: match[1]!, tags: match[2] ? match[2].split(",") : [] });
  }
  return scenarios;
}

export interface Check {
  id: string;
  name?: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "SKIPPED" | "INFO" | string;
  errorMessage?: string;
}

export interface ScenarioRun {
  line: Line;
  side: Side;
  /** The leg's label, e.g. "2026-07-28" or "default". */
  leg: string;
  scenario: string;
  passed: boolean;
  successes: number;
  failures: number;
  /** The failed checks, `id: errorMessage`. */
  failed: string[];
  /** The checks that ended as WARNING, `id: errorMessage`: each fails the scenario. */
  warnings: string[];
  /** Exit code of the CLI: its verdict on the scenario (0 passed). */
  exitCode: number | null;
  /** What else the suite reported against the scenario: the client program failed or timed out. */
  problems: string[];
  durationMs: number;
  /** The CLI's output, kept for diagnosing a scenario that recorded nothing. */
  output: string;
}

export interface ScenarioJob {
  line: Line;
  side: Side;
  leg: string;
  scenario: string;
  /** Server side: the URL under test. */
  url?: string;
  /** Client side: the command the suite runs as `CMD <url>`. */
  command?: string;
  specVersion?: string;
  force?: boolean;
  /** Hard limit for the whole CLI run, ms. */
  killAfterMs?: number;
  /** Run inside these long-lived CLI hosts (of the job's line) rather than a node process of its own. */
  pool?: CliPool;
}

function findChecks(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...findChecks(path));
    else if (entry === "checks.json") found.push(path);
  }
  return found;
}

/** Runs the suite's CLI with `args` in the repository root, killed after `killAfterMs`. */
function runCli(
  line: Line,
  args: string[],
  killAfterMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, nodeArgs(line, args), {
      stdio: ["ignore", "pipe", "pipe"],
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    const timer = setTimeout(() => {
      text += `\n[harness] killed after ${killAfterMs} ms\n`;
      child.kill("SIGKILL");
    }, killAfterMs);
    child.on("close", (exitCode) => {
      clearTimeout(timer);
      resolve({ code: exitCode, output: text });
    });
  });
}

const PROBLEMS = [
  /Client exited with code \d+/,
  /Client timed out after \d+ ?ms/,
  /\[harness\] killed after \d+ ms/,
];

/** A scenario's run from its checks, the CLI's verdict on it (its exit status) and its output. */
function scenarioRun(
  job: Pick<ScenarioJob, "line" | "side" | "leg" | "scenario">,
  checks: Check[],
  code: number | null,
  output: string,
  durationMs: number,
): ScenarioRun {
  const successes = checks.filter((c) => c.status === "SUCCESS").length;
  const failedChecks = checks.filter((c) => c.status === "FAILURE");
  const warnings = checks
    .filter((c) => c.status === "WARNING")
    .map((c) => `${c.id}: ${c.errorMessage ?? "(no message)"}`);
  const problems: string[] = [];
  for (const pattern of PROBLEMS) {
    const found = output.match(pattern);
    if (found) problems.push(found[0]);
  }
  return {
    line: job.line,
    side: job.side,
    leg: job.leg,
    scenario: job.scenario,
    // The suite's own verdict (its exit status), at least one check that really passed, and no
    // WARNING (the client side's verdict already counts them; none is tolerated on either side).
    passed: code === 0 && successes > 0 && failedChecks.length === 0 && warnings.length === 0,
    successes,
    failures: failedChecks.length,
    failed: failedChecks.map((c) => `${c.id}: ${c.errorMessage ?? "(no message)"}`),
    warnings,
    exitCode: code,
    problems,
    durationMs,
    output,
  };
}

/** Runs one scenario through the suite's CLI and reads its checks. */
export async function runScenario(job: ScenarioJob): Promise<ScenarioRun> {
  const out = mkdtempSync(join(tmpdir(), "mcp-conformance-"));
  const args = [job.side, "--scenario", job.scenario, "-o", out];
  if (job.side === "server") args.push("--url", job.url!);
  else args.push("--command", job.command!);
  if (job.specVersion) args.push("--spec-version", job.specVersion);
  if (job.force) args.push("--force");
  const started = Date.now();
  const killAfterMs = job.killAfterMs ?? 90_000;
  const { code, output } = job.pool
    ? await job.pool.run(args, killAfterMs)
    : await runCli(job.line, args, killAfterMs);
  const checks: Check[] = [];
  for (const file of findChecks(out)) checks.push(...(JSON.parse(readFileSync(file, "utf8")) as Check[]));
  rmSync(out, { recursive: true, force: true });
  return scenarioRun(job, checks, code, output, Date.now() - started);
}

/** A whole server-side leg for one CLI run: the scenarios `conformance list` names for it. */
export interface LegJob {
  line: Line;
  leg: string;
  /** The URL under test. */
  url: string;
  specVersion?: string;
  /** The scenarios the leg expects; the CLI runs the same list (`--suite all`, filtered alike). */
  scenarios: string[];
  /** Hard limit for the whole CLI run, ms (default: 30 s a scenario, and 60 s more). */
  killAfterMs?: number;
}

/** The directory a run writes a scenario's checks to: `server-<scenario>-<ISO time, ':' and '.' as '-'>`. */
const RESULT_DIR = /^server-(.+)-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/;

/**
 * Runs every scenario of a server-side leg in one CLI run (`conformance server --suite all`, one
 * scenario after the other against the same URL), which saves starting the CLI once per scenario
 * (about 1.5 s of CPU each). The CLI lists a suite the way `conformance list` does, so the run
 * covers `job.scenarios` exactly. Each scenario's verdict is the one the CLI gives it when run
 * alone: exit status 1 when one of its checks is a FAILURE, 0 otherwise; and only when the whole
 * run ended normally (status 0 or 1, its summary printed): a crashed or killed run leaves every
 * scenario with the run's status, and one missing from the summary has no checks. Each scenario's
 * output is its own section of the CLI's output.
 */
export async function runLeg(job: LegJob): Promise<ScenarioRun[]> {
  const out = mkdtempSync(join(tmpdir(), "mcp-conformance-"));
  const args = ["server", "--suite", "all", "--url", job.url, "-o", out];
  if (job.specVersion) args.push("--spec-version", job.specVersion);
  const started = Date.now();
  const killAfterMs = job.killAfterMs ?? 30_000 * job.scenarios.length + 60_000;
  const { code, output } = await runCli(job.line, args, killAfterMs);
  const durationMs = Date.now() - started;
  const checksOf = new Map<string, Check[]>();
  for (const file of findChecks(out)) {
    const scenario = relative(out, dirname(file)).split(sep).join("/").match(RESULT_DIR)?.[1];
    if (scenario) checksOf.set(scenario, JSON.parse(readFileSync(file, "utf8")) as Check[]);
  }
  rmSync(out, { recursive: true, force: true });
  const completed = (code === 0 || code === 1) && output.includes("=== SUMMARY ===");
  const sections = output.split(/^(?==== Running scenario: )/m);
  return job.scenarios.map((scenario) => {
    const checks = checksOf.get(scenario) ?? [];
    const section = sections.find((text) => text.startsWith(`=== Running scenario: ${scenario} ===`));
    const verdict = completed ? Number(checks.some((check) => check.status === "FAILURE")) : code;
    const text = `${section ?? `(no section for ${scenario} in the leg's output)\n`}${completed ? "" : `\n[harness] the leg's run: exit ${code}\n${output.slice(-3000)}`}`;
    return scenarioRun(
      { line: job.line, side: "server", leg: job.leg, scenario },
      checks,
      verdict,
      text,
      durationMs,
    );
  });
}

/** Runs jobs with at most `concurrency` at a time, keeping their order in the result. */
export async function runAll(jobs: ScenarioJob[], concurrency = 2): Promise<ScenarioRun[]> {
  const results: ScenarioRun[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await runScenario(jobs[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  return results;
}

/** The key of a run in an expected-failure table: `line/leg/scenario`. */
export function runKey(run: Pick<ScenarioRun, "line" | "leg" | "scenario">): string {
  return `${run.line}/${run.leg}/${run.scenario}`;
}
