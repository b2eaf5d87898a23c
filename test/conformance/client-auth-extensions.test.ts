/**
 * The official conformance suite's auth extension scenarios against our client program
 * (test/conformance/client-extensions.ts, built on fastmcp-ts's Client and `fastmcp-ts/client/auth`):
 * for each, the suite starts a mock authorization server and MCP server, runs `CMD <url>` with the
 * scenario's credentials in MCP_CONFORMANCE_CONTEXT, and checks what reached its endpoints.
 *
 * Both lines where a scenario is listed: 0.1.x (`conformance-v1`) and 0.2.0-alpha (`conformance-v2`).
 * EXPECTED_FAILURES names what needs a feature not built yet (it must still fail; everything else
 * must pass, as the suite counts a pass: its exit status, no FAILURE or WARNING, a SUCCESS).
 */
import { bundleClient } from "./bundle-client.js";
import { listScenarios } from "./harness.js";
import { conformanceSuite, type Leg } from "./suite.js";

export const EXPECTED_FAILURES: Record<string, string> = {};

/** The client auth scenarios the suite tags as extensions. */
const authExtensions = (line: "v1" | "v2") =>
  listScenarios(line, "client")
    .filter((scenario) => scenario.name.startsWith("auth/") && scenario.tags.includes("extension"))
    .map((scenario) => scenario.name);

const LEGS: Leg[] = [
  { line: "v1", leg: "extension", scenarios: authExtensions("v1"), expectedCount: 3 },
  { line: "v2", leg: "extension", scenarios: authExtensions("v2"), expectedCount: 6 },
];

conformanceSuite({
  side: "client",
  hostRuns: true,
  legs: LEGS,
  expectedFailures: EXPECTED_FAILURES,
  // The suite splits the command on spaces and appends the mock servers' URL.
  start: async () => {
    const bundle = await bundleClient("client-extensions.ts");
    return { command: `${process.execPath} ${bundle.file}`, close: bundle.remove };
  },
});
