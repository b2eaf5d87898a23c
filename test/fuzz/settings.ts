/**
 * Shared fast-check settings of the fuzz tests. Inside `npm test` each property runs a bounded
 * number of cases; `FUZZ_RUNS=100000 npx vitest run test/fuzz` runs every property that many times
 * (with the per-test timeout lifted to match), and `FUZZ_SEED` replays a reported failure.
 */
const longRuns = Number(process.env.FUZZ_RUNS) || undefined;
const seed = Number(process.env.FUZZ_SEED) || undefined;

/** Whether this is a long run (FUZZ_RUNS set). */
export const LONG = longRuns !== undefined;

/** fast-check parameters: `quick` runs by default, FUZZ_RUNS runs in the long mode. */
export function runs(quick: number): { numRuns: number; seed?: number } {
  return { numRuns: longRuns ?? quick, ...(seed === undefined ? {} : { seed }) };
}

/** The vitest timeout of a fuzz test: generous by default, unbounded in the long mode. */
export const FUZZ_TIMEOUT = LONG ? 24 * 60 * 60_000 : 30_000;
