import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The longest test files, longest first: each mostly waits on subprocesses (the conformance CLI,
 * official SDK clients), and one of them started last would run alone at the end of the suite.
 * Vitest runs the files that took longest in the previous run first, but a fresh checkout (CI) has
 * no previous run, and then it starts the largest files first, which these are not.
 */
const LONGEST_FIRST = [
  "test/conformance/client-auth.test.ts",
  "test/conformance/server.test.ts",
  "test/conformance/client.test.ts",
  "test/interop/features-sdk-v2.test.ts",
  "test/interop/features-sdk-v2-server.test.ts",
  "test/conformance/client-auth-extensions.test.ts",
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const at = LONGEST_FIRST.findIndex((path) => file.moduleId.endsWith(path));
      return at === -1 ? LONGEST_FIRST.length : at;
    };
    // Array.prototype.sort is stable: the rest keep the order vitest chose.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  // tsconfig.json maps `fastmcp-ts` to src/, so examples import the package as users do.
  resolve: { tsconfigPaths: true },
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts", "examples/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Most test files wait on subprocesses and sockets, not on the CPU: two files at a time even on
    // a 2-core machine (vitest's default there is one) halves the suite's wall time.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    sequence: { sequencer: LongestFirst },
  },
});
