/**
 * Turns conformance legs into vitest tests: one test per scenario, run by the official CLI with
 * limited parallelism (all scenarios are queued in `beforeAll`, each test awaits its own).
 *
 * Every scenario must pass, except those in the expected-failure table, which must still fail:
 * when one starts passing, the table has to be updated (the test says so).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Line,
  runKey,
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

  const allKeys = options.legs.flatMap((leg) =>
    leg.scenarios.map((scenario) => runKey({ line: leg.line, leg: leg.leg, scenario })),
  );

  describe(`official conformance suite, ${options.side} side`, () => {
    beforeAll(async () => {
      started = Date.now();
      target = await options.start();
      const queue: Array<() => void> = [];
      let active = 0;
      const release = () => {
        active--;
        queue.shift()?.();
      };
      const limited = (job: ScenarioJob) =>
        new Promise<ScenarioRun>((resolve, reject) => {
          const go = () => {
            active++;
            runScenario(job)
              .then((run) => {
                finished.push(run);
                resolve(run);
              }, reject)
              .finally(release);
          };
          if (active < concurrency) go();
          else queue.push(go);
        });
      for (const leg of options.legs) {
        for (const scenario of leg.scenarios) {
          const job: ScenarioJob = { line: leg.line, side: options.side, leg: leg.leg, scenario };
          if (target.url) job.url = target.url;
          if (target.command) job.command = target.command;
          if (leg.specVersion) job.specVersion = leg.specVersion;
          if (leg.force) job.force = true;
          const run = limited(job);
          run.catch(() => {});
          runs.set(runKey(job), run);
        }
      }
    });

    afterAll(async () => {
      await Promise.allSettled(runs.values());
      await target?.close?.();
      const rows = options.legs.map((leg) => {
        const mine = finished.filter((run) => run.line === leg.line && run.leg === leg.leg);
        const passed = mine.filter((run) => run.passed).length;
        const expected = mine.filter((run) => runKey(run) in options.expectedFailures).length;
        return `  ${leg.line} (${suiteVersion(leg.line)}) ${leg.leg}: ${passed}/${mine.length} passed, ${expected} expected failures`;
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
