import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Client, type ClientOptions, StdioTransport } from "../../src/index.js";
import { fixtureArgs, ROOT } from "../helpers/paths.js";
import { childPids, expectNoNewChildren } from "../helpers/processes.js";

let before: number[] = [];
beforeEach(() => {
  before = childPids();
});
afterEach(async () => {
  await expectNoNewChildren(before);
});

/** Our Client over stdio to the official v1 server fixture. */
function sdkV1Server(options: ClientOptions = {}): Client {
  return new Client(
    new StdioTransport("node", fixtureArgs("sdk-v1-server.ts"), { cwd: ROOT, stderr: "pipe" }),
    options,
  );
}

// The features over stdio are rows of the table in sdk-servers.test.ts; here, the pins it leaves out.
describe("fastmcp-ts Client → official SDK v1 server over stdio", () => {
  it("can be pinned to an older legacy revision (2024-11-05)", async () => {
    await using client = sdkV1Server({ protocolVersion: "2024-11-05" });
    await client.connect();
    expect(client.era).toBe("legacy");
    expect(client.protocolVersion).toBe("2024-11-05");
    expect((await client.callTool("add", { a: 2, b: 40 })).text).toBe("42");
  });

  it("refuses to connect when pinned to 2026-07-28, which a v1 server cannot speak", async () => {
    await using client = sdkV1Server({ protocolVersion: "2026-07-28" });
    await expect(client.connect()).rejects.toThrow(
      /does not support protocol 2026-07-28: .*legacy \(initialize-based\) server offering 2025-11-25/,
    );
    expect(client.era).toBeUndefined();
    expect(client.connected).toBe(false);
  });
});
