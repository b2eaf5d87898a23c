/** The runnable examples stay runnable: `npm start` runs examples/demo.ts. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const run = promisify(execFile);

it("the demo exchanges messages in memory and over stdio, in both eras", async () => {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/demo.ts"], {
    timeout: 60_000,
  });
  expect(stdout.match(/tools\/call add \{a: 5, b: 3\}\s+8/g)).toHaveLength(4);
  expect(stdout).toContain("2026-07-28 (modern era)");
  expect(stdout).toContain("2025-11-25 (legacy era)");
  expect(stdout).toContain("2025-06-18 (legacy era)");
  expect(stdout).toContain("Over stdio (a real subprocess)");
  expect(stdout).toContain("ToolError Cannot divide by zero");
  expect(stdout).toContain("Say hello to Ada, warmly.");
});
