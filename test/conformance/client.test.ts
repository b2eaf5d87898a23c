/**
 * The official conformance suite against our client program (test/conformance/client.ts, built on
 * fastmcp-ts's Client): the suite starts a mock server per scenario and runs `CMD <url>`. The OAuth
 * scenarios (`auth/*`) are in client-auth.test.ts, the auth extensions in
 * client-auth-extensions.test.ts.
 *
 * A scenario passes as the suite counts it: its exit status (no FAILURE, no WARNING, no timeout,
 * the client program exited 0) and at least one SUCCESS. EXPECTED_FAILURES lists what needs
 * features not built yet; those must still fail, everything else must pass.
 *
 * The scenarios run beside CPU-bound processes: races that only a busy machine shows (issue 8,
 * item 10: the GET stream not open yet when the first call goes out) must not fail them.
 */
import { bundleClient } from "./bundle-client.js";
import { startCpuLoad } from "./cpu-load.js";
import { listScenarios } from "./harness.js";
import { conformanceSuite, type Leg } from "./suite.js";

/** CPU-bound processes beside the scenario runs (CONFORMANCE_CPU_LOAD overrides; 0 for none). */
const CPU_BURNERS = Number(process.env.CONFORMANCE_CPU_LOAD ?? 1);

export const EXPECTED_FAILURES: Record<string, string> = {};

/** Every scenario the leg lists but the auth ones (client-auth*.test.ts run those). */
const scenarios = (line: "v1" | "v2", specVersion?: string) =>
  listScenarios(line, "client", specVersion)
    .filter((scenario) => !scenario.name.startsWith("auth/"))
    .map((scenario) => scenario.name);

const LEGS: Leg[] = [
  { line: "v1", leg: "default", scenarios: scenarios("v1"), expectedCount: 4 },
  {
    line: "v2",
    leg: "2025-11-25",
    specVersion: "2025-11-25",
    scenarios: scenarios("v2", "2025-11-25"),
    expectedCount: 5,
  },
  {
    line: "v2",
    leg: "2026-07-28",
    specVersion: "2026-07-28",
    scenarios: scenarios("v2", "2026-07-28"),
    expectedCount: 8,
  },
];

conformanceSuite({
  side: "client",
  hostRuns: true,
  legs: LEGS,
  expectedFailures: EXPECTED_FAILURES,
  // The suite splits the command on spaces and appends the mock server's URL.
  start: async () => {
    const bundle = await bundleClient("client.ts");
    const stopLoad = startCpuLoad(CPU_BURNERS);
    return {
      command: `${process.execPath} ${bundle.file}`,
      close: async () => {
        await stopLoad();
        await bundle.remove();
      },
    };
  },
});
