import type { IncomingMessage, ServerResponse } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ElicitationRequest } from "../../src/client/handlers.js";
import { Client } from "../../src/index.js";
import { createSdkV1FeatureServer, sdkV1Sessions } from "../fixtures/sdk-v1-server.js";
import { Cleanup, serveAsync } from "../helpers/node-host.js";
import { expectNoNewHandles, openHandles } from "../helpers/open-handles.js";

const cleanup = new Cleanup();
let handles: ReturnType<typeof openHandles>;
beforeEach(() => {
  handles = openHandles();
});
afterEach(async () => {
  await cleanup.run();
  await expectNoNewHandles(handles);
});

/** How long the host holds each GET before the v1 transport sees it. */
const GET_DELAY_MS = 1500;

/** The v1 feature server, stateful, on node:http; GET requests reach it `GET_DELAY_MS` late. */
async function serveV1WithSlowGet() {
  const v1 = sdkV1Sessions(createSdkV1FeatureServer);
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "GET") await new Promise((resolve) => setTimeout(resolve, GET_DELAY_MS));
    await v1.handle(req, res);
  };
  const host = await serveAsync(cleanup, handle, () => v1.close());
  return `${host.origin}/mcp`;
}

describe("fastmcp-ts Client → official SDK v1 server over Streamable HTTP: the GET stream", () => {
  it("is open when connect() resolves: an elicitation v1 sends on it right after the first call arrives", async () => {
    const url = await serveV1WithSlowGet();
    const asked: ElicitationRequest[] = [];
    const client = new Client(url, {
      elicitation: (request) => {
        asked.push(request);
        return { action: "accept", data: { name: "Ada" } };
      },
    });
    cleanup.add(() => client.close());
    await client.connect();
    expect(client.era).toBe("legacy");
    // Upper bound only: lost, the elicitation would leave the call waiting for this long.
    const result = await client.callTool("ask-unrelated", {}, { timeout: 10_000 });
    expect(result.text).toBe("Hello, Ada!");
    expect(asked).toHaveLength(1);
    expect(asked[0]?.message).toBe("What is your name?");
  });
});
