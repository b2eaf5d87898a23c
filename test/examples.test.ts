/** The runnable examples stay runnable: `npm start` runs examples/demo.ts. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const run = promisify(execFile);

it("the demo exchanges messages in memory, over stdio, HTTP, SSE and WebSocket, in both eras", async () => {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/demo.ts"], {
    timeout: 60_000,
  });
  expect(stdout.match(/tools\/call add \{a: 5, b: 3\}\s+8/g)).toHaveLength(8);
  expect(stdout.match(/Booked 3 nights in Porto/g)).toHaveLength(8);
  expect(stdout).toContain("Over Streamable HTTP (http://127.0.0.1:");
  expect(stdout).toContain("Over WebSocket (ws://127.0.0.1:");
  expect(stdout).toMatch(/server added a tool, client got\s+notifications\/tools\/list_changed/);
  expect(stdout).toContain("2026-07-28 (modern era)");
  expect(stdout).toContain("2025-11-25 (legacy era)");
  expect(stdout).toContain("2025-06-18 (legacy era)");
  expect(stdout).toContain("Over stdio (a real subprocess)");
  expect(stdout).toContain("ToolError Cannot divide by zero");
  expect(stdout).toContain("Say hello to Ada, warmly.");
});
