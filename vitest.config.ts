import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

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
  },
});
