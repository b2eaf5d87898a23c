/**
 * Interop of the handler context's client-facing features with the official TypeScript SDK v2
 * client (`@modelcontextprotocol/client` 2.x), over stdio and Streamable HTTP, in each of its
 * version-negotiation modes: the official client drives our everything-server, whose `ask`,
 * `visit`, `summarize`, `roots` and `interview` tools call `ctx.elicit`, `ctx.sample` and
 * `ctx.listRoots`, and whose `touch` and `toggle` tools announce changes.
 *
 * - 2026-07-28 (`auto`, or pinned): our server answers `input_required`; v2 fulfils the embedded
 *   requests through the handlers registered with `setRequestHandler` and retries the call with
 *   `inputResponses` and the echoed `requestState`. Changes arrive on `subscriptions/listen`.
 * - The default legacy mode: the same handlers answer real server-to-client requests, and changes
 *   arrive unsolicited (`resources/subscribe`, list_changed).
 *
 * Our Client driving official v2 servers lives in features-sdk-v2-server.test.ts.
 */
import {
  type ClientCapabilities,
  type ClientOptions,
  type CreateMessageRequestParams,
  type CreateMessageResult,
  type ElicitRequestParams,
  type ElicitResult,
  type JSONRPCMessage,
  LOG_LEVEL_META_KEY,
  type LoggingMessageNotificationParams,
  MissingRequiredClientCapabilityError,
  type Progress,
  type Root,
  Client as SdkClient,
  SdkError,
  SdkErrorCode,
  StreamableHTTPClientTransport,
  SUBSCRIPTION_ID_META_KEY,
  type Tool,
  type Transport,
} from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FastMCP, ListeningServer } from "../../src/index.js";
import { createEverythingServer } from "../fixtures/everything-server.js";
import { bundledFixture } from "../helpers/bundle.js";
import { expectNoNewHandles, openHandles } from "../helpers/open-handles.js";
import { ROOT } from "../helpers/paths.js";
import { childPids, expectNoNewChildren } from "../helpers/processes.js";
import { expectDeliveredProgress, recordingFetch, SDK_PROGRESS_RACE } from "../helpers/sdk-interop.js";
import { WAIT_FOR } from "../helpers/wait.js";

/** The everything-server, bundled once: each stdio test starts a fresh one. */
const everythingServer = bundledFixture("everything-server.ts");

let children: number[] = [];
let handles: ReturnType<typeof openHandles>;
beforeEach(() => {
  children = childPids();
  handles = openHandles();
});
afterEach(async () => {
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
  { label: "auto negotiation", options: { versionNegotiation: { mode: "auto" } }, modern: true },
  {
    label: "pinned to 2026-07-28",
    options: { versionNegotiation: { mode: { pin: "2026-07-28" } } },
    modern: true,
  },
  { label: "default (legacy) mode", options: {}, modern: false },
];

const CASES = (["stdio", "http"] as const).flatMap((kind) =>
  MODES.map((mode) => ({
    kind,
    mode,
    label: `${mode.label} over ${kind === "http" ? "Streamable HTTP" : kind}`,
  })),
);

/** Everything a client can declare for the server to ask of it. */
const ALL_CAPABILITIES: ClientCapabilities = {
  elicitation: { form: {}, url: {} },
  sampling: {},
  roots: { listChanged: true },
};

/** How the SDK client's handlers answer; tests replace what they need. */
interface Answers {
  elicit(params: ElicitRequestParams): ElicitResult;
  sample(params: CreateMessageRequestParams): CreateMessageResult;
  roots(): Root[];
}

const defaultAnswers = (): Answers => ({
  elicit: (params) =>
    params.mode === "url" ? { action: "accept" } : { action: "accept", content: { name: "Ada" } },
  sample: () => ({
    role: "assistant",
    content: { type: "text", text: "short" },
    model: "m1",
    stopReason: "endTurn",
  }),
  roots: () => [{ uri: "file:///work", name: "work" }],
});

type Rpc = JSONRPCMessage & { id?: number | string; method?: string; params?: Record<string, any> };

const CHANGE_METHODS = [
  "notifications/tools/list_changed",
  "notifications/resources/list_changed",
  "notifications/resources/updated",
] as const;

/**
 * An official v2 client with elicitation, sampling and roots handlers, connected to our
 * everything-server (a subprocess for stdio, `listen()` on a free port for HTTP). It records what
 * goes over the wire and what its handlers are asked; disposing closes client and server.
 */
async function openSdkClient(
  kind: Kind,
  mode: Mode,
  extra: { capabilities?: ClientCapabilities; listChanged?: ClientOptions["listChanged"] } = {},
) {
  let listening: ListeningServer | undefined;
  let server: FastMCP | undefined;
  let transport: Transport;
  const recorder = recordingFetch();
  if (kind === "stdio") {
    transport = new StdioClientTransport({
      command: "node",
      args: everythingServer(),
      cwd: ROOT,
      stderr: "pipe",
    });
  } else {
    server = createEverythingServer();
    listening = await server.listen({ transport: "http", port: 0 });
    transport = new StreamableHTTPClientTransport(new URL(listening.url), { fetch: recorder.fetch });
  }
  const sent: Rpc[] = [];
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    sent.push(message as Rpc);
    return send(message, options);
  };
  const capabilities = extra.capabilities ?? ALL_CAPABILITIES;
  const client = new SdkClient(
    { name: "sdk-v2-client", version: "2.0.0" },
    { ...mode.options, capabilities, ...(extra.listChanged ? { listChanged: extra.listChanged } : {}) },
  );
  const answers = defaultAnswers();
  const asked = {
    elicit: [] as ElicitRequestParams[],
    sample: [] as CreateMessageRequestParams[],
    roots: 0,
  };
  if (capabilities.elicitation) {
    client.setRequestHandler("elicitation/create", (request) => {
      asked.elicit.push(request.params);
      return answers.elicit(request.params);
    });
  }
  if (capabilities.sampling) {
    client.setRequestHandler("sampling/createMessage", (request) => {
      asked.sample.push(request.params);
      return answers.sample(request.params);
    });
  }
  if (capabilities.roots) {
    client.setRequestHandler("roots/list", () => {
      asked.roots++;
      return { roots: answers.roots() };
    });
  }
  const logs: LoggingMessageNotificationParams[] = [];
  client.setNotificationHandler("notifications/message", (notification) => {
    logs.push(notification.params);
  });
  /** Change notifications, as the client's handlers got them. */
  const changes: { method: string; params: Record<string, unknown> | undefined }[] = [];
  for (const method of CHANGE_METHODS) {
    client.setNotificationHandler(method, (notification) => {
      changes.push({ method, params: notification.params as Record<string, unknown> | undefined });
    });
  }
  // Anything the client finds wrong with what the server sends is reported here; a correct server causes none.
  const errors: Error[] = [];
  client.onerror = (error) => void errors.push(error);
  const closeAll = async () => {
    await client.close().catch(() => {});
    await listening?.close();
  };
  try {
    await client.connect(transport);
  } catch (error) {
    await closeAll();
    throw error;
  }
  if (kind === "http" && !mode.modern) {
    // A legacy session's unsolicited notifications travel on the GET stream v2 opens after
    // initializing; wait for it (closing the client while it opens is reported as an AbortError).
    await vi.waitFor(
      () => expect(recorder.requests).toContainEqual(expect.objectContaining({ method: "GET", status: 200 })),
      WAIT_FOR,
    );
  }
  const received: Rpc[] = [];
  const onmessage = transport.onmessage;
  transport.onmessage = (message, info) => {
    received.push(message as Rpc);
    onmessage?.(message, info);
  };
  return {
    client,
    answers,
    asked,
    logs,
    changes,
    sent,
    received,
    listening,
    /** The server, when it runs in this process (HTTP). */
    server,
    async [Symbol.asyncDispose]() {
      await closeAll();
      // Over stdio the SDK may drop a progress notification read with its answer (SDK_PROGRESS_RACE).
      const race = kind === "stdio" ? SDK_PROGRESS_RACE : /^$/;
      expect(errors.filter((error) => !race.test(error.message))).toEqual([]);
    },
  };
}

const textOf = (result: { content?: unknown }) =>
  (result.content as { type: string; text?: string }[]).map((block) => block.text ?? "").join("\n");

/** The tools/call requests the client sent, first attempt and retries alike. */
const toolCalls = (sent: Rpc[], name: string) =>
  sent.filter((message) => message.method === "tools/call" && message.params?.name === name);

describe.each(CASES)(
  "official SDK v2 client ($label) → fastmcp-ts server: asking the client",
  ({ kind, mode }) => {
    it("form elicitation: the SDK's handler answers, and the tool result reflects accept, decline and cancel", async () => {
      await using session = await openSdkClient(kind, mode);
      const { client, answers, asked } = session;
      const accepted = await client.callTool({ name: "ask", arguments: {} });
      // The schema's default ("friend") was applied to the field the answer left out.
      expect(textOf(accepted)).toBe("Hello, friend Ada!");
      expect(accepted.isError).toBeFalsy();
      expect(asked.elicit).toEqual([
        expect.objectContaining({
          mode: "form",
          message: "What is your name?",
          requestedSchema: {
            type: "object",
            properties: { name: { type: "string" }, title: { type: "string", default: "friend" } },
            required: ["name"],
          },
        }),
      ]);

      answers.elicit = () => ({ action: "decline" });
      expect(textOf(await client.callTool({ name: "ask", arguments: {} }))).toBe("decline");
      answers.elicit = () => ({ action: "cancel" });
      expect(textOf(await client.callTool({ name: "ask", arguments: {} }))).toBe("cancel");
      expect(asked.elicit).toHaveLength(3);
    });

    it(`travels as ${mode.modern ? "an input_required round and a retry" : "a server-to-client request"} on the wire`, async () => {
      await using session = await openSdkClient(kind, mode);
      const { client, sent, received } = session;
      expect(textOf(await client.callTool({ name: "ask", arguments: {} }))).toBe("Hello, friend Ada!");
      const calls = toolCalls(sent, "ask");
      if (mode.modern) {
        // Round 1: our server answers input_required, keyed by the handler's inputKey...
        const [first, retry] = calls;
        expect(calls).toHaveLength(2);
        const round = received.find((message) => message.id === first?.id) as Rpc & {
          result: Record<string, any>;
        };
        expect(round.result).toMatchObject({
          resultType: "input_required",
          inputRequests: {
            name: { method: "elicitation/create", params: { mode: "form", message: "What is your name?" } },
          },
        });
        expect(typeof round.result.requestState).toBe("string");
        // ...and v2 retries on a fresh id with the answer and the byte-exact requestState.
        expect(retry?.id).not.toBe(first?.id);
        expect(retry?.params).toMatchObject({
          name: "ask",
          inputResponses: { name: { action: "accept", content: { name: "Ada" } } },
          requestState: round.result.requestState,
        });
        // No server-to-client request was sent in the modern era.
        expect(received.filter((message) => message.method === "elicitation/create")).toEqual([]);
      } else {
        expect(calls).toHaveLength(1);
        const request = received.find((message) => message.method === "elicitation/create");
        expect(request?.params).toMatchObject({ mode: "form", message: "What is your name?" });
        const reply = sent.find((message) => message.id === request?.id && "result" in message);
        expect(reply).toMatchObject({ result: { action: "accept", content: { name: "Ada" } } });
        expect(JSON.stringify(calls[0]?.params)).not.toContain("inputResponses");
      }
    });

    it("URL elicitation: the handler gets the URL, and the tool sees the action", async () => {
      await using session = await openSdkClient(kind, mode);
      const { client, asked } = session;
      expect(textOf(await client.callTool({ name: "visit", arguments: {} }))).toBe("accept");
      expect(asked.elicit).toEqual([
        expect.objectContaining({ mode: "url", message: "Please sign in", url: "https://example.com/login" }),
      ]);
      // The legacy era correlates URL elicitations by elicitationId; 2026-07-28 has none.
      if (mode.modern) expect(asked.elicit[0]).not.toHaveProperty("elicitationId");
      else expect((asked.elicit[0] as { elicitationId?: unknown }).elicitationId).toEqual(expect.any(String));
    });

    it("sampling: the handler gets the prompt, system prompt and maxTokens; the tool gets the completion", async () => {
      await using session = await openSdkClient(kind, mode);
      const { client, asked } = session;
      const result = await client.callTool({ name: "summarize", arguments: { text: "a long story" } });
      expect(result.structuredContent).toEqual({ text: "short", model: "m1", stopReason: "endTurn" });
      expect(asked.sample).toEqual([
        expect.objectContaining({
          messages: [{ role: "user", content: { type: "text", text: "Summarize: a long story" } }],
          systemPrompt: "Be brief.",
          maxTokens: 50,
        }),
      ]);
    });

    it("roots: the handler's roots reach the tool", async () => {
      await using session = await openSdkClient(kind, mode);
      const { client, answers } = session;
      answers.roots = () => [{ uri: "file:///work", name: "work" }, { uri: "file:///tmp" }];
      const result = await client.callTool({ name: "roots", arguments: {} });
      expect(result.structuredContent).toEqual({
        roots: [{ uri: "file:///work", name: "work" }, { uri: "file:///tmp" }],
      });
      expect(session.asked.roots).toBe(1);
    });

    it(`asks concurrently, then again: ${mode.modern ? "two input_required rounds" : "three requests"}`, async () => {
      await using session = await openSdkClient(kind, mode);
      const { client, asked, sent } = session;
      const result = await client.callTool({ name: "interview", arguments: {} });
      expect(textOf(result)).toBe("Ada / short / file:///work");
      expect(asked.elicit).toHaveLength(1);
      expect(asked.sample).toHaveLength(1);
      expect(asked.roots).toBe(1);
      const calls = toolCalls(sent, "interview");
      if (mode.modern) {
        // The two asks started together travelled in one round; the roots in a second one.
        expect(calls).toHaveLength(3);
        expect(Object.keys(calls[1]?.params?.inputResponses ?? {}).sort()).toEqual([
          "elicitation-1",
          "sampling-1",
        ]);
        expect(Object.keys(calls[2]?.params?.inputResponses ?? {})).toEqual(["roots-1"]);
        expect(calls[2]?.params?.requestState).not.toBe(calls[1]?.params?.requestState);
      } else {
        expect(calls).toHaveLength(1);
      }
    });

    it("delivers progress and logs sent after the answer", async () => {
      await using session = await openSdkClient(kind, mode);
      const { client, logs } = session;
      if (!mode.modern) await client.setLoggingLevel("info");
      const progress: Progress[] = [];
      const result = await client.callTool(
        {
          name: "ask",
          arguments: {},
          // 2026-07-28 asks for logs per request; the retry carries the original _meta again.
          ...(mode.modern ? { _meta: { [LOG_LEVEL_META_KEY]: "info" } } : {}),
        },
        { onprogress: (update) => progress.push(update) },
      );
      expect(textOf(result)).toBe("Hello, friend Ada!");
      const answered = { progress: 1, total: 1, message: "answered" };
      const expected = [
        // In 2026-07-28 v2 reports its own fulfilment of each round through onprogress too.
        ...(mode.modern
          ? [{ progress: 1, message: "Fulfilling input required by 'tools/call' (round 1)" }]
          : []),
        answered,
      ];
      expectDeliveredProgress(progress, expected, kind === "stdio", session.received, [answered]);
      expect(logs).toEqual([{ level: "info", data: "got an answer from Ada" }]);
    });

    it("a client that did not declare roots gets -32021 (missing client capability)", async () => {
      await using session = await openSdkClient(kind, mode, {
        capabilities: { elicitation: { form: {} } },
      });
      const error = await session.client
        .callTool({ name: "roots", arguments: {} })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MissingRequiredClientCapabilityError);
      expect(error).toMatchObject({ code: -32021 });
      expect((error as MissingRequiredClientCapabilityError).requiredCapabilities).toEqual({ roots: {} });
      // URL mode was not declared either.
      await expect(session.client.callTool({ name: "visit", arguments: {} })).rejects.toMatchObject({
        code: -32021,
      });
    });
  },
);

describe.each(CASES)(
  "official SDK v2 client ($label) → fastmcp-ts server: change notifications",
  ({ kind, mode }) => {
    type Change = { method: string; params: Record<string, unknown> | undefined };
    const toolChanges = (changes: Change[]) =>
      changes.filter((change) => change.method === "notifications/tools/list_changed");

    /**
     * Toggles the extra tool and waits for the tools/list_changed it causes: the sentinel for
     * notifications that should not come. Our server sends list_changed and resources/updated the
     * same way (stdio: the one stdout pipe; HTTP: the subscriptions/listen stream in 2026-07-28,
     * the session's GET stream in 2025), so anything the calls before it caused has arrived by then.
     */
    async function sentinel(client: SdkClient, changes: Change[]) {
      const before = toolChanges(changes).length;
      await client.callTool({ name: "toggle", arguments: {} });
      await vi.waitFor(() => expect(toolChanges(changes)).toHaveLength(before + 1), WAIT_FOR);
    }

    if (mode.modern) {
      it("subscriptions/listen: list changes and updates of the subscribed URI, until closed", async () => {
        await using session = await openSdkClient(kind, mode);
        const { client, changes, sent } = session;
        const subscription = await client.listen({
          toolsListChanged: true,
          resourceSubscriptions: ["config://test"],
        });
        expect(subscription.honoredFilter).toEqual({
          toolsListChanged: true,
          resourceSubscriptions: ["config://test"],
        });
        const listen = sent.find((message) => message.method === "subscriptions/listen");
        expect(listen?.params?.notifications).toEqual({
          toolsListChanged: true,
          resourceSubscriptions: ["config://test"],
        });

        expect(textOf(await client.callTool({ name: "toggle", arguments: {} }))).toBe("extra on");
        await client.callTool({ name: "touch", arguments: { uri: "config://test" } });
        await client.callTool({ name: "touch", arguments: { uri: "users://1/profile" } });
        const stamp = { _meta: { [SUBSCRIPTION_ID_META_KEY]: listen?.id } };
        await vi.waitFor(
          () =>
            expect(changes).toEqual([
              { method: "notifications/tools/list_changed", params: stamp },
              { method: "notifications/resources/updated", params: { ...stamp, uri: "config://test" } },
            ]),
          WAIT_FOR,
        );
        expect((await client.listTools()).tools.map((tool) => tool.name)).toContain("extra");
        await sentinel(client, changes);
        // Nothing for the URI nobody subscribed to.
        expect(changes.slice(2)).toEqual([{ method: "notifications/tools/list_changed", params: stamp }]);

        await subscription.close();
        await expect(subscription.closed).resolves.toBe("local");
        if (session.server) {
          // Over HTTP the closed subscription had a stream of its own, not ordered with any later
          // one: wait until the server dropped its listener, after which nothing can be sent to it.
          const server = session.server;
          await vi.waitFor(() => expect(server.stats().listeners).toBe(0), WAIT_FOR);
        }
        // A new subscription to list changes is the sentinel: over stdio every message shares the
        // one pipe, so what the closed subscription got from the touch would arrive first.
        const fresh = await client.listen({ toolsListChanged: true });
        await client.callTool({ name: "touch", arguments: { uri: "config://test" } });
        await sentinel(client, changes);
        const freshId = sent.filter((message) => message.method === "subscriptions/listen").at(-1)?.id;
        expect(freshId).not.toBe(listen?.id);
        const freshStamp = { _meta: { [SUBSCRIPTION_ID_META_KEY]: freshId } };
        expect(changes.slice(3)).toEqual([
          { method: "notifications/tools/list_changed", params: freshStamp },
        ]);
        await fresh.close();
      });
    } else {
      it("subscriptions/listen is refused on a 2025 connection (a documented v2 limitation)", async () => {
        await using session = await openSdkClient(kind, mode);
        const error = await session.client
          .listen({ toolsListChanged: true })
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(SdkError);
        expect((error as SdkError).code).toBe(SdkErrorCode.MethodNotSupportedByProtocolVersion);
        expect(session.sent.some((message) => message.method === "subscriptions/listen")).toBe(false);
      });

      it("resources/subscribe and list_changed arrive unsolicited; unsubscribing stops the updates", async () => {
        await using session = await openSdkClient(kind, mode);
        const { client, changes } = session;
        expect(client.getServerCapabilities()).toMatchObject({
          tools: { listChanged: true },
          resources: { subscribe: true, listChanged: true },
        });
        await client.subscribeResource({ uri: "config://test" });
        await client.callTool({ name: "toggle", arguments: {} });
        await client.callTool({ name: "touch", arguments: { uri: "config://test" } });
        await client.callTool({ name: "touch", arguments: { uri: "users://1/profile" } });
        await vi.waitFor(
          () =>
            expect(changes).toEqual([
              { method: "notifications/tools/list_changed", params: undefined },
              { method: "notifications/resources/updated", params: { uri: "config://test" } },
            ]),
          WAIT_FOR,
        );
        // Nothing for the URI nobody subscribed to.
        await sentinel(client, changes);
        expect(changes.slice(2)).toEqual([{ method: "notifications/tools/list_changed", params: undefined }]);

        await client.unsubscribeResource({ uri: "config://test" });
        await client.callTool({ name: "touch", arguments: { uri: "config://test" } });
        await sentinel(client, changes);
        expect(changes.slice(3)).toEqual([{ method: "notifications/tools/list_changed", params: undefined }]);
      });
    }

    it(`ClientOptions.listChanged refreshes the tool list (${mode.modern ? "over an auto-opened subscription" : "on list_changed"})`, async () => {
      const refreshed: string[][] = [];
      await using session = await openSdkClient(kind, mode, {
        listChanged: {
          tools: {
            debounceMs: 0,
            onChanged: (error: Error | null, tools: Tool[] | null) => {
              if (error) throw error;
              refreshed.push((tools ?? []).map((tool) => tool.name));
            },
          },
        },
      });
      const { client } = session;
      if (mode.modern) {
        expect(client.autoOpenedSubscription?.honoredFilter).toEqual({ toolsListChanged: true });
      } else {
        expect(client.autoOpenedSubscription).toBeUndefined();
      }
      await client.callTool({ name: "toggle", arguments: {} });
      await vi.waitFor(() => expect(refreshed).toHaveLength(1), WAIT_FOR);
      expect(refreshed[0]).toContain("extra");
      await client.callTool({ name: "toggle", arguments: {} });
      await vi.waitFor(() => expect(refreshed).toHaveLength(2), WAIT_FOR);
      expect(refreshed[1]).not.toContain("extra");
    });
  },
);
