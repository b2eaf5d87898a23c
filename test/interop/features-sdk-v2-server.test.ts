/**
 * Interop of our Client's answering side with the official TypeScript SDK v2 server
 * (`@modelcontextprotocol/server` 2.x): our Client drives the feature tools of
 * test/fixtures/sdk-v2-server.ts (`createSdkV2FeatureServer`), served over stdio by `serveStdio`
 * and over HTTP by `createMcpHandler`, negotiating automatically, pinned to 2026-07-28 and pinned
 * to 2025-11-25.
 *
 * v2 writes its asking tools once, in the multi-round-trip style: in 2026-07-28 they answer
 * `input_required` and our Client fulfils the rounds with its `elicitation`, `sampling` and `roots`
 * handlers; on a 2025 stdio connection v2's legacy shim sends real server-to-client requests,
 * which the same handlers answer. v2 serves 2025 HTTP statelessly, with no channel back to the
 * client: there the asking tools fail and change notifications cannot be delivered, which the
 * tests assert as the documented limitation. Changes reach `client.listen()` over
 * `subscriptions/listen` (2026-07-28) or `resources/subscribe` and list_changed (2025 stdio).
 *
 * The official v2 client driving our server lives in features-sdk-v2.test.ts.
 */
import { createMcpHandler } from "@modelcontextprotocol/server";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ElicitationRequest } from "../../src/client/handlers.js";
import {
  Client,
  type ClientOptions,
  type JSONRPCNotification,
  type LogMessage,
  McpError,
  MetaKey,
  StdioTransport,
  StreamableHttpTransport,
  ToolError,
} from "../../src/index.js";
import { createSdkV2FeatureServer, type SdkV2FeatureState } from "../fixtures/sdk-v2-server.js";
import { bundledFixture } from "../helpers/bundle.js";
import { Cleanup, nodeListenerFor, serveNode } from "../helpers/node-host.js";
import { expectNoNewHandles, openHandles } from "../helpers/open-handles.js";
import { ROOT } from "../helpers/paths.js";
import { childPids, expectNoNewChildren } from "../helpers/processes.js";
import { postedRequests, recordingFetch, type WireRequest } from "../helpers/sdk-interop.js";
import { WAIT_FOR } from "../helpers/wait.js";

/** The v2 SDK server, bundled once: each stdio test starts a fresh one. */
const sdkV2Server = bundledFixture("sdk-v2-server.ts");
const cleanup = new Cleanup();
let children: number[] = [];
let handles: ReturnType<typeof openHandles>;
beforeEach(() => {
  children = childPids();
  handles = openHandles();
});
afterEach(async () => {
  await cleanup.run();
  await expectNoNewChildren(children);
  await expectNoNewHandles(handles);
});

type Kind = "stdio" | "http";

interface Mode {
  label: string;
  options: ClientOptions;
  modern: boolean;
}

const MODES: Mode[] = [
  { label: "automatic negotiation", options: {}, modern: true },
  { label: "pinned to 2026-07-28", options: { protocolVersion: "2026-07-28" }, modern: true },
  { label: "pinned to 2025-11-25", options: { protocolVersion: "2025-11-25" }, modern: false },
];

const CASES = (["stdio", "http"] as const).flatMap((kind) =>
  MODES.map((mode) => ({ kind, mode, label: `${mode.label} over ${kind === "http" ? "HTTP" : kind}` })),
);

/** The message v2's stateless 2025 HTTP serving answers an asking tool with. */
const NO_CHANNEL = "per-request legacy serving cannot receive server-to-client requests";

/**
 * Our Client with answering handlers (but those named in `without`), connected to the v2 feature
 * server; closed after the test.
 */
async function connect(
  kind: Kind,
  mode: Mode,
  options: ClientOptions = {},
  without: ("elicitation" | "sampling" | "roots")[] = [],
) {
  const asked: ElicitationRequest[] = [];
  const merged: ClientOptions = {
    elicitation: (request) => {
      asked.push(request);
      return request.mode === "url" ? { action: "accept" } : { action: "accept", data: { name: "Ada" } };
    },
    sampling: () => "short",
    roots: [{ uri: "file:///work", name: "work" }],
    ...mode.options,
    ...options,
  };
  for (const handler of without) delete merged[handler];
  const client = (transport: StdioTransport | StreamableHttpTransport) => new Client(transport, merged);
  let requests: WireRequest[] = [];
  let ours: Client;
  if (kind === "stdio") {
    ours = client(
      new StdioTransport("node", [...sdkV2Server(), "--features"], {
        cwd: ROOT,
        stderr: "pipe",
      }),
    );
    cleanup.add(() => ours.close());
  } else {
    // One state for the per-request instances createMcpHandler makes; `notify` publishes to the
    // handler's subscriptions/listen streams.
    const state: SdkV2FeatureState = { extra: false };
    const handler = createMcpHandler((context) =>
      createSdkV2FeatureServer(context, { state, notify: handler.notify }),
    );
    const host = await serveNode(nodeListenerFor((request) => handler.fetch(request)));
    cleanup.add(async () => {
      await handler.close();
      await host.close();
    });
    const recorder = recordingFetch();
    requests = recorder.requests;
    ours = client(new StreamableHttpTransport({ url: `${host.origin}/mcp`, fetch: recorder.fetch }));
    cleanup.add(() => ours.close());
  }
  await ours.connect();
  expect(ours.era).toBe(mode.modern ? "modern" : "legacy");
  return { client: ours, asked, requests };
}

/** The tools/call bodies posted for one tool (first attempts and retries). */
const postedCalls = (requests: readonly WireRequest[], name: string) =>
  postedRequests(requests).filter(
    (entry) => entry.body.method === "tools/call" && entry.body.params?.name === name,
  );

describe.each(CASES)(
  "fastmcp-ts Client ($label) → official SDK v2 server: answering the server",
  ({ kind, mode }) => {
    // v2 serves 2025 HTTP one request at a time, with no way back to the client.
    const stateless = kind === "http" && !mode.modern;

    if (stateless) {
      it("v2's stateless 2025 HTTP serving cannot ask the client: the asking tools fail (documented limitation)", async () => {
        const { client, asked, requests } = await connect(kind, mode);
        for (const tool of ["ask", "visit", "summarize", "roots", "interview"]) {
          const error = await client
            .callTool(tool, tool === "summarize" ? { text: "x" } : {})
            .catch((caught: unknown) => caught);
          expect(error).toBeInstanceOf(ToolError);
          expect((error as ToolError).message).toContain(NO_CHANNEL);
        }
        expect(asked).toEqual([]);
        // No session, and no stream a server-to-client request could have travelled on.
        expect(requests.some((entry) => entry.method === "GET")).toBe(false);
        for (const entry of requests) expect(entry.responseHeaders?.["mcp-session-id"]).toBeUndefined();
      });

      it("push-style ctx.mcpReq.elicitInput finds no client capabilities either", async () => {
        const { client } = await connect(kind, mode);
        await expect(client.callTool("ask-push")).rejects.toThrow("Client does not support form elicitation");
      });
      return;
    }

    it("form elicitation: our handler answers, and accept, decline and cancel reach the tool", async () => {
      const answers: ("accept" | "decline" | "cancel")[] = ["accept", "decline", "cancel"];
      const seen: ElicitationRequest[] = [];
      const { client, requests } = await connect(kind, mode, {
        elicitation: (request) => {
          seen.push(request);
          const action = answers[seen.length - 1] ?? "cancel";
          return action === "accept" ? { action, data: { name: "Ada" } } : { action };
        },
      });
      expect((await client.callTool("ask")).text).toBe("Hello, friend Ada!");
      expect((await client.callTool("ask")).text).toBe("decline");
      expect((await client.callTool("ask")).text).toBe("cancel");
      expect(seen).toHaveLength(3);
      expect(seen[0]).toMatchObject({
        mode: "form",
        message: "What is your name?",
        requestedSchema: {
          type: "object",
          properties: { name: { type: "string" }, title: { type: "string", default: "friend" } },
          required: ["name"],
        },
      });
      if (kind === "http") {
        // 2026-07-28 on the wire: the call, answered input_required, then the retry with the answer,
        // the schema's default filled in by our Client.
        const calls = postedCalls(requests, "ask");
        expect(calls).toHaveLength(6);
        expect(calls[0]?.body.params).not.toHaveProperty("inputResponses");
        expect(calls[1]?.body.params?.inputResponses).toEqual({
          name: { action: "accept", content: { name: "Ada", title: "friend" } },
        });
        expect(calls[3]?.body.params?.inputResponses).toEqual({ name: { action: "decline" } });
        for (const call of calls)
          expect(call.body.params?._meta?.[MetaKey.ProtocolVersion]).toBe("2026-07-28");
      }
    });

    it("URL elicitation: our handler gets the URL", async () => {
      const { client, asked } = await connect(kind, mode);
      expect((await client.callTool("visit")).text).toBe("accept");
      expect(asked).toEqual([
        expect.objectContaining({ mode: "url", message: "Please sign in", url: "https://example.com/login" }),
      ]);
      // 2025-11-25 correlates URL elicitations by id; 2026-07-28 does not.
      if (mode.modern) expect(asked[0]).not.toHaveProperty("elicitationId");
      else expect(asked[0]).toHaveProperty("elicitationId", expect.any(String));
    });

    it("sampling: our handler's answer, a string or a full result, reaches the tool", async () => {
      const prompts: unknown[] = [];
      let full = false;
      const { client } = await connect(kind, mode, {
        sampling: (request) => {
          prompts.push(request);
          return full
            ? {
                role: "assistant",
                content: { type: "text", text: "brief" },
                model: "m1",
                stopReason: "endTurn",
              }
            : "short";
        },
      });
      expect((await client.callTool("summarize", { text: "a long story" })).text).toBe("short (unknown)");
      full = true;
      expect((await client.callTool("summarize", { text: "a long story" })).text).toBe("brief (m1)");
      expect(prompts[0]).toMatchObject({
        messages: [{ role: "user", content: { type: "text", text: "Summarize: a long story" } }],
        maxTokens: 50,
        systemPrompt: "Be brief.",
      });
    });

    it("roots: our roots (from a function) reach the tool", async () => {
      let calls = 0;
      const { client } = await connect(kind, mode, {
        roots: () => {
          calls++;
          return [{ uri: "file:///work", name: "work" }, { uri: "file:///tmp" }];
        },
      });
      expect((await client.callTool("roots")).text).toBe("file:///work (work)\nfile:///tmp");
      expect(calls).toBe(1);
    });

    it("answers a tool that asks twice, carrying v2's requestState between rounds", async () => {
      const { client, requests } = await connect(kind, mode);
      expect((await client.callTool("interview")).text).toBe("Ada / short / file:///work");
      if (kind === "http") {
        const calls = postedCalls(requests, "interview");
        expect(calls).toHaveLength(3);
        expect(Object.keys(calls[1]?.body.params?.inputResponses ?? {}).sort()).toEqual(["name", "sample"]);
        expect(calls[1]?.body.params).not.toHaveProperty("requestState");
        // The last retry echoes v2's (unsealed) requestState verbatim, with only that round's answers.
        expect(calls[2]?.body.params?.requestState).toBe(JSON.stringify({ name: "Ada", said: "short" }));
        expect(Object.keys(calls[2]?.body.params?.inputResponses ?? {})).toEqual(["roots"]);
      }
    });

    if (mode.modern) {
      it("push-style ctx.mcpReq.elicitInput is refused by v2 in 2026-07-28 (documented limitation)", async () => {
        const { client, asked } = await connect(kind, mode);
        const error = await client.callTool("ask-push").catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ToolError);
        expect((error as ToolError).message).toContain(
          "Server-to-client requests are not available on protocol revision 2026-07-28",
        );
        expect(asked).toEqual([]);
      });

      it("without an elicitation handler, v2 refuses the round: -32021 (capability not declared)", async () => {
        const { client } = await connect(kind, mode, {}, ["elicitation"]);
        const error = await client.callTool("ask").catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(McpError);
        expect(error).toMatchObject({ code: -32021 });
        expect((error as McpError).message).toContain("do not declare the required capability");
      });
    } else {
      it("push-style ctx.mcpReq.elicitInput is answered by our handler on a 2025 connection", async () => {
        const { client, asked } = await connect(kind, mode);
        expect((await client.callTool("ask-push")).text).toBe("pushed Ada");
        expect(asked).toEqual([expect.objectContaining({ mode: "form", message: "Push: your name?" })]);
      });

      it("without an elicitation handler, v2's shim reports the undeclared capability in the result", async () => {
        const { client } = await connect(kind, mode, {}, ["elicitation"]);
        const error = await client.callTool("ask").catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ToolError);
        expect((error as ToolError).message).toContain("did not declare the required capability");
      });
    }
  },
);

describe.each(CASES)(
  "fastmcp-ts Client ($label) → official SDK v2 server: notifications",
  ({ kind, mode }) => {
    const stateless = kind === "http" && !mode.modern;

    it("client-wide onProgress and onLog receive a running tool's progress and log", async () => {
      const progress: [number, number | undefined, string | undefined][] = [];
      const logs: LogMessage[] = [];
      const { client } = await connect(kind, mode, {
        onProgress: (value, total, message) => progress.push([value, total, message]),
        onLog: (message) => logs.push(message),
      });
      expect((await client.callTool("progress")).text).toBe("done");
      expect(progress).toEqual([
        [1, 3, "step 1"],
        [2, 3, "step 2"],
        [3, 3, "step 3"],
      ]);
      await vi.waitFor(
        () => expect(logs).toEqual([{ level: "info", logger: "v2", data: "hello from v2" }]),
        WAIT_FOR,
      );
    });

    if (stateless) {
      it("listen() is acknowledged, but stateless 2025 HTTP has no stream to deliver changes (documented limitation)", async () => {
        const { client, requests } = await connect(kind, mode);
        await using changes = await client.listen({
          toolsListChanged: true,
          resourceSubscriptions: ["config://test"],
        });
        // Acknowledged from the advertised capabilities, and resources/subscribe answered...
        expect(changes.acknowledged).toEqual({
          toolsListChanged: true,
          resourceSubscriptions: ["config://test"],
        });
        expect(postedRequests(requests).map((entry) => entry.body.method)).toContain("resources/subscribe");
        await client.callTool("toggle");
        await client.callTool("touch", { uri: "config://test" });
        // ...the change happened, but no notification can come back: every POST has been answered
        // and there is no GET stream, so nothing is left open that could carry one later. A closed
        // subscription still yields what it had queued first, so this reads that nothing came.
        expect((await client.listTools({ cache: false })).map((tool) => tool.name)).toContain("extra");
        expect(requests.some((entry) => entry.method === "GET")).toBe(false);
        await changes.close();
        expect(await changes.next()).toEqual({ value: undefined, done: true });
      });
      return;
    }

    it(`listen() receives list changes and updates of the subscribed URI (${mode.modern ? "subscriptions/listen" : "resources/subscribe"})`, async () => {
      const seen: JSONRPCNotification[] = [];
      const { client } = await connect(kind, mode, {
        onNotification: (notification) => seen.push(notification),
      });
      const changes = await client.listen({
        toolsListChanged: true,
        resourceSubscriptions: ["config://test"],
      });
      expect(changes.acknowledged).toEqual({
        toolsListChanged: true,
        resourceSubscriptions: ["config://test"],
      });
      expect(changes.closed).toBe(false);

      expect((await client.callTool("toggle")).text).toBe("extra on");
      await client.callTool("touch", { uri: "config://test" });
      await client.callTool("touch", { uri: "users://1/profile" });
      const first = await changes.next();
      const second = await changes.next();
      expect([first.value?.method, second.value?.method]).toEqual([
        "notifications/tools/list_changed",
        "notifications/resources/updated",
      ]);
      expect(second.value?.params).toMatchObject({ uri: "config://test" });
      if (mode.modern) {
        // Tagged with the subscription: the id of our subscriptions/listen request.
        const id = first.value?.params?._meta?.[MetaKey.SubscriptionId];
        expect(id).toBeDefined();
        expect(second.value?.params?._meta?.[MetaKey.SubscriptionId]).toBe(id);
      }
      // The list change invalidated the cached tool list.
      expect((await client.listTools()).map((tool) => tool.name)).toContain("extra");
      // Nothing for the URI nobody subscribed to: the list_changed of a toggle after it comes next,
      // as v2 sends both kinds the same way (stdio: the one stdout pipe; HTTP: the listen stream).
      await client.callTool("toggle");
      expect((await changes.next()).value?.method).toBe("notifications/tools/list_changed");

      await changes.close();
      expect(changes.closed).toBe(true);
      // The sentinel: a new subscription to list changes, and a toggle after the touch. Over stdio
      // every message shares the one pipe, so an update sent for the touch would arrive before the
      // toggle's list_changed; over HTTP (2026-07-28) closing aborted the old listen stream, so
      // nothing from it reaches the client any more.
      await using sentinel = await client.listen({ toolsListChanged: true });
      seen.length = 0;
      await client.callTool("touch", { uri: "config://test" });
      await client.callTool("toggle");
      const next = await sentinel.next();
      expect(next.value?.method).toBe("notifications/tools/list_changed");
      // Closing ended the subscription on the server: no update is sent any more (2025: our Client
      // sent resources/unsubscribe; 2026-07-28: the listen request was cancelled). A 2025 session
      // hears each list change once, as list changes are not subscription-bound in that era; in
      // 2026-07-28 only the new subscription hears it.
      expect(seen).toEqual([next.value]);
    });
  },
);
