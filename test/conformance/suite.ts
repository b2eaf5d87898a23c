/**
 * Turns conformance legs into vitest tests: one test per scenario, run by the official CLI with
 * limited parallelism (all scenarios are queued in `beforeAll`, each test awaits its own). A leg
 * runs either one CLI run per scenario (in a node process each, or in long-lived CLI hosts:
 * `hostRuns`) or, server side, in one CLI run for the whole leg (`batch`).
 *
 * Every scenario must pass, except those in the expected-failure table, which must still fail:
 * when one starts passing, the table has to be updated (the test says so).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliPool } from "./cli-pool.js";
import {
  cliPool,
  type LegJob,
  type Line,
  runKey,
  runLeg,
  runScenario,
  type ScenarioJob,
  type ScenarioRun,
  type Side,
  suiteVersion,
} from "./harness.js";

export interface Leg {
  line: Line;
  /** Label of the leg: the spec version it runs at, or e.g. "tasks-extension". */
  leg: string;
  specVersion?: string;
  force?: boolean;
  scenarios: string[];
  /**
   * Server side: run the whole leg in one CLI run (`runLeg`) instead of one run per scenario:
   * - "leg": `--suite all` at the leg's spec version, which lists what the leg lists (not with
   *   `force`: a forced scenario is one the spec version does not list);
   * - "catalogue": `--suite all` with no spec version, the suite's whole catalogue, each scenario at
   *   its default version; the leg keeps its own scenarios' results. For extension scenarios, whose
   *   default version is the one they target (2026-07-28), this is the wire a `--spec-version
   *   2026-07-28 --force` run of each would have.
   */
  batch?: "leg" | "catalogue";
  /** How many scenarios this leg must list (guards the listing against silent changes). */
  expectedCount: number;
}

export interface Target {
  url?: string;
  command?: string;
  close?: () => Promise<void>;
}

export interface ConformanceSuiteOptions {
  side: Side;
  legs: Leg[];
  /** `line/leg/scenario` → why it cannot pass yet. */
  expectedFailures: Record<string, string>;
  start: () => Promise<Target>;
  /**
   * Each batched leg runs against a target of its own, started for it and closed after it: legs
   * that run at once then do not see each other's changes (a scenario adding and removing a tool
   * while another lists them).
   */
  targetPerLeg?: boolean;
  /**
   * Single-scenario runs go to long-lived CLI hosts (cli-pool.ts), one per run at a time, instead of
   * a node process each: a CLI start costs more CPU than most scenarios.
   */
  hostRuns?: boolean;
  concurrency?: number;
}

function describeRun(run: ScenarioRun): string {
  const lines = [
    `${runKey(run)}: ${run.successes} SUCCESS, ${run.failures} FAILURE, ${run.warnings.length} WARNING (exit ${run.exitCode}, ${run.durationMs} ms)`,
    ...run.failed.map((failure) => `  - ${failure}`),
    ...run.warnings.map((warning) => `  - WARNING ${warning}`),
    ...run.problems.map((problem) => `  - ${problem}`),
  ];
  if (run.successes + run.failures === 0 || (!run.passed && run.failures === 0))
    lines.push("  CLI output:", run.output.slice(-3000));
  return lines.join("\n");
}

export function conformanceSuite(options: ConformanceSuiteOptions): void {
  const concurrency = Number(process.env.CONFORMANCE_CONCURRENCY ?? options.concurrency ?? 2);
  const runs = new Map<string, Promise<ScenarioRun>>();
  const finished: ScenarioRun[] = [];
  let target: Target | undefined;
  let started = 0;
  const pools = new Map<Line, CliPool>();
  const poolFor = (line: Line) => {
    const pool = pools.get(line) ?? cliPool(line);
    pools.set(line, pool);
    return pool;
  };

  const allKeys = options.legs.flatMap((leg) =>
    leg.scenarios.map((scenario) => runKey({ line: leg.line, leg: leg.leg, scenario })),
  );

  describe(`official conformance suite, ${options.side} side`, () => {
    beforeAll(async () => {
      started = Date.now();
      const shared = options.legs.some((leg) => !leg.batch || !options.targetPerLeg);
      if (shared) target = await options.start();
      const queue: Array<() => void> = [];
      let active = 0;
      const release = () => {
        active--;
        queue.shift()?.();
      };
      const limited = <T>(work: () => Promise<T>) =>
        new Promise<T>((resolve, reject) => {
          const go = () => {
            active++;
            work().then(resolve, reject).finally(release);
          };
          if (active < concurrency) go();
          else queue.push(go);
        });
      const record = (run: ScenarioRun) => {
        finished.push(run);
        return run;
      };
      // The longest CLI runs first: the whole catalogue, then whole legs by size, then single scenarios.
      const weight = (leg: Leg) =>
        leg.batch === "catalogue" ? Number.POSITIVE_INFINITY : leg.batch ? leg.scenarios.length : 0;
      const legs = [...options.legs].sort((a, b) => weight(b) - weight(a));
      for (const leg of legs) {
        if (leg.batch) {
          if (options.side !== "server" || (leg.batch === "leg" && leg.force))
            throw new Error(`${leg.leg}: cannot batch`);
          const batch = leg.batch;
          const legRun = limited(async () => {
            const own = options.targetPerLeg ? await options.start() : target;
            try {
              if (!own?.url) throw new Error(`${leg.leg}: no URL to test`);
              const legJob: LegJob = { line: leg.line, leg: leg.leg, url: own.url, scenarios: leg.scenarios };
              if (batch === "leg" && leg.specVersion) legJob.specVersion = leg.specVersion;
              return await runLeg(legJob);
            } finally {
              if (options.targetPerLeg) await own?.close?.();
            }
          });
          legRun.then(
            (all) => all.forEach(record),
            () => {},
          );
          for (const scenario of leg.scenarios) {
            const run = legRun.then((all) => all.find((one) => one.scenario === scenario)!);
            run.catch(() => {});
            runs.set(runKey({ line: leg.line, leg: leg.leg, scenario }), run);
          }
          continue;
        }
        for (const scenario of leg.scenarios) {
          const job: ScenarioJob = { line: leg.line, side: options.side, leg: leg.leg, scenario };
          if (target?.url) job.url = target.url;
          if (target?.command) job.command = target.command;
          if (leg.specVersion) job.specVersion = leg.specVersion;
          if (leg.force) job.force = true;
          if (options.hostRuns) job.pool = poolFor(leg.line);
          const run = limited(() => runScenario(job).then(record));
          run.catch(() => {});
          runs.set(runKey(job), run);
        }
      }
    });

    afterAll(async () => {
      await Promise.allSettled(runs.values());
      await Promise.all([...pools.values()].map((pool) => pool.close()));
      await target?.close?.();
      const rows = options.legs.map((leg) => {
        const mine = finished.filter((run) => run.line === leg.line && run.leg === leg.leg);
        const passed = mine.filter((run) => run.passed).length;
        const expected = mine.filter((run) => runKey(run) in options.expectedFailures).length;
        const longest = Math.max(0, ...mine.map((run) => run.durationMs)) / 1000;
        const how = leg.batch
          ? `one CLI run of ${longest.toFixed(1)} s`
          : `longest run ${longest.toFixed(1)} s`;
        return `  ${leg.line} (${suiteVersion(leg.line)}) ${leg.leg}: ${passed}/${mine.length} passed, ${expected} expected failures (${how})`;
      });
      console.log(
        `conformance ${options.side} side, ${finished.length} scenarios in ${((Date.now() - started) / 1000).toFixed(1)} s:\n${rows.join("\n")}`,
      );
    }, 300_000);

    it("has no stale expected-failure entries", () => {
      const stale = Object.keys(options.expectedFailures).filter((key) => !allKeys.includes(key));
      expect(stale, "EXPECTED_FAILURES names scenarios that are not run").toEqual([]);
    });

    for (const leg of options.legs) {
      describe(`${leg.line} ${suiteVersion(leg.line)} / ${leg.leg}`, () => {
        it(`lists ${leg.expectedCount} scenarios`, () => {
          expect(leg.scenarios.length, `scenarios: ${leg.scenarios.join(", ")}`).toBe(leg.expectedCount);
        });
        for (const scenario of leg.scenarios) {
          const key = runKey({ line: leg.line, leg: leg.leg, scenario });
          const reason = options.expectedFailures[key];
          const title = reason ? `${scenario} (expected to fail: ${reason})` : scenario;
          it(title, async () => {
            const run = await runs.get(key);
            if (!run) throw new Error(`${key} was not scheduled`);
            if (reason) {
              expect(
                run.passed,
                `${key} now passes: remove it from EXPECTED_FAILURES\n${describeRun(run)}`,
              ).toBe(false);
            } else {
              expect(run.passed, describeRun(run)).toBe(true);
            }
          }, 300_000);
        }
      });
    }
  });
}
