import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Most test files wait on subprocesses and sockets, not on the CPU: two files at a time even on
    // a 2-core machine (vitest's default there is one) halves the suite's wall time.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
