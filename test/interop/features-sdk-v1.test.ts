import type { IncomingMessage, ServerResponse } from "node:http";
import { Client as SdkClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  type ClientCapabilities,
  CreateMessageRequestSchema,
  type CreateMessageResult,
  type ElicitRequest,
  ElicitRequestSchema,
  type ElicitResult,
  type JSONRPCMessage,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  type Progress,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  type Root,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ElicitationRequest } from "../../src/client/handlers.js";
import {
  Client,
  type ClientOptions,
  type JSONRPCNotification,
  type ListeningServer,
  type LogMessage,
  StdioTransport,
  StreamableHttpTransport,
  ToolError,
} from "../../src/index.js";
import { createEverythingServer } from "../fixtures/everything-server.js";
import { createSdkV1FeatureServer, sdkV1Sessions } from "../fixtures/sdk-v1-server.js";
import { bundledFixture } from "../helpers/bundle.js";
import { Cleanup, serveAsync } from "../helpers/node-host.js";
import { expectNoNewHandles, openHandles } from "../helpers/open-handles.js";
import { ROOT } from "../helpers/paths.js";
import { childPids, expectNoNewChildren } from "../helpers/processes.js";
import {
  expectDeliveredProgress,
  postedRequests,
  recordingFetch,
  SDK_PROGRESS_RACE,
} from "../helpers/sdk-interop.js";
import { WAIT_FOR } from "../helpers/wait.js";

/** The servers the stdio tests start, bundled once: each test starts a fresh one. */
const everythingServer = bundledFixture("everything-server.ts");
const sdkV1Server = bundledFixture("sdk-v1-server.ts");
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
const KINDS: { kind: Kind; label: string }[] = [
  { kind: "stdio", label: "stdio" },
  { kind: "http", label: "Streamable HTTP" },
];

const TOOLS_CHANGED = "notifications/tools/list_changed";

const ALL_CAPABILITIES: ClientCapabilities = {
  elicitation: { form: {}, url: {} },
  sampling: {},
  roots: { listChanged: true },
};

type ElicitParams = ElicitRequest["params"];
type Rpc = JSONRPCMessage & { id?: number | string; method?: string; params?: Record<string, any> };

/**
 * An official v1 Client with elicitation, sampling and roots handlers, connected to our
 * everything-server (a subprocess, or `listen()` on a free port); closed after the test.
 */
async function openSdkClient(
  kind: Kind,
  extra: { capabilities?: ClientCapabilities; listChanged?: ConstructorParameters<typeof SdkClient>[1] } = {},
) {
  let transport: Transport;
  let listening: ListeningServer | undefined;
  if (kind === "stdio") {
    transport = new StdioClientTransport({
      command: "node",
      args: everythingServer(),
      cwd: ROOT,
      stderr: "pipe",
    });
  } else {
    const server = await createEverythingServer().listen({ transport: "http", port: 0 });
    listening = server;
    cleanup.add(() => server.close());
    transport = new StreamableHTTPClientTransport(new URL(server.url));
  }
  const capabilities = extra.capabilities ?? ALL_CAPABILITIES;
  const client = new SdkClient(
    { name: "sdk-v1-client", version: "1.0.0" },
    { ...extra.listChanged, capabilities },
  );
  const answers = {
    elicit: (params: ElicitParams): ElicitResult =>
      params.mode === "url" ? { action: "accept" } : { action: "accept", content: { name: "Ada" } },
    sample: (): CreateMessageResult => ({
      role: "assistant",
      content: { type: "text", text: "short" },
      model: "m1",
      stopReason: "endTurn",
    }),
    roots: (): Root[] => [{ uri: "file:///work", name: "work" }],
  };
  const asked = { elicit: [] as ElicitParams[], sample: [] as unknown[], roots: 0 };
  if (capabilities.elicitation) {
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      asked.elicit.push(request.params);
      return answers.elicit(request.params);
    });
  }
  if (capabilities.sampling) {
    client.setRequestHandler(CreateMessageRequestSchema, (request) => {
      asked.sample.push(request.params);
      return answers.sample();
    });
  }
  if (capabilities.roots) {
    client.setRequestHandler(ListRootsRequestSchema, () => {
      asked.roots++;
      return { roots: answers.roots() };
    });
  }
  const logs: unknown[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    logs.push(notification.params);
  });
  const changes: { method: string; params?: unknown }[] = [];
  client.setNotificationHandler(ToolListChangedNotificationSchema, (notification) => {
    changes.push({ method: notification.method });
  });
  client.setNotificationHandler(ResourceListChangedNotificationSchema, (notification) => {
    changes.push({ method: notification.method });
  });
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
    changes.push({ method: notification.method, params: notification.params });
  });
  const errors: Error[] = [];
  client.onerror = (error) => void errors.push(error);
  const received: Rpc[] = [];
  const sent: Rpc[] = [];
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    sent.push(message as Rpc);
    return send(message, options);
  };
  cleanup.add(async () => {
    await client.close();
    // Over stdio the SDK may drop a progress notification read with its answer (SDK_PROGRESS_RACE).
    const race = kind === "stdio" ? SDK_PROGRESS_RACE : /^$/;
    expect(errors.filter((error) => !race.test(error.message))).toEqual([]);
  });
  await client.connect(transport);
  const onmessage = transport.onmessage;
  transport.onmessage = (message, info) => {
    received.push(message as Rpc);
    onmessage?.(message, info);
  };
  if (listening) {
    // Unsolicited notifications travel on the GET stream v1 opens once initialized.
    const sessions = listening.app.streamable;
    await vi.waitFor(() => expect(sessions?.stats().sessions).toBe(1), WAIT_FOR);
  }
  return { client, answers, asked, logs, changes, sent, received };
}

/** The text of a tool result (v1 types results as a union with the pre-2025 `toolResult` shape). */
const textOf = (result: object) =>
  ((result as { content?: { type: string; text?: string }[] }).content ?? [])
    .map((block) => block.text ?? "")
    .join("\n");

describe.each(KINDS)(
  "official SDK v1 client → fastmcp-ts server over $label: asking the client",
  ({ kind }) => {
    it("form elicitation: the SDK's handler answers, and the tool result reflects accept, decline and cancel", async () => {
      const { client, answers, asked, sent, received } = await openSdkClient(kind);
      expect(textOf(await client.callTool({ name: "ask", arguments: {} }))).toBe("Hello, friend Ada!");
      expect(asked.elicit).toEqual([
        {
          mode: "form",
          message: "What is your name?",
          requestedSchema: {
            type: "object",
            properties: { name: { type: "string" }, title: { type: "string", default: "friend" } },
            required: ["name"],
          },
        },
      ]);
      // On the wire: a server-to-client request during the call, answered by the v1 client.
      const request = received.find((message) => message.method === "elicitation/create");
      expect(request?.id).toBeDefined();
      expect(sent).toContainEqual(
        expect.objectContaining({ id: request?.id, result: { action: "accept", content: { name: "Ada" } } }),
      );

      answers.elicit = () => ({ action: "decline" });
      expect(textOf(await client.callTool({ name: "ask", arguments: {} }))).toBe("decline");
      answers.elicit = () => ({ action: "cancel" });
      expect(textOf(await client.callTool({ name: "ask", arguments: {} }))).toBe("cancel");
    });

    it("URL elicitation: the handler gets the URL and an elicitationId", async () => {
      const { client, asked } = await openSdkClient(kind);
      expect(textOf(await client.callTool({ name: "visit", arguments: {} }))).toBe("accept");
      expect(asked.elicit).toEqual([
        {
          mode: "url",
          message: "Please sign in",
          url: "https://example.com/login",
          elicitationId: expect.stringMatching(/^[\w-]+$/),
        },
      ]);
    });

    it("sampling: the handler gets the prompt, system prompt and maxTokens; the tool gets the completion", async () => {
      const { client, asked } = await openSdkClient(kind);
      const result = await client.callTool({ name: "summarize", arguments: { text: "a long story" } });
      expect(result.structuredContent).toEqual({ text: "short", model: "m1", stopReason: "endTurn" });
      expect(asked.sample).toEqual([
        {
          messages: [{ role: "user", content: { type: "text", text: "Summarize: a long story" } }],
          systemPrompt: "Be brief.",
          maxTokens: 50,
        },
      ]);
    });

    it("roots: the handler's roots reach the tool", async () => {
      const { client, answers, asked } = await openSdkClient(kind);
      answers.roots = () => [{ uri: "file:///work", name: "work" }, { uri: "file:///tmp" }];
      const result = await client.callTool({ name: "roots", arguments: {} });
      expect(result.structuredContent).toEqual({
        roots: [{ uri: "file:///work", name: "work" }, { uri: "file:///tmp" }],
      });
      expect(asked.roots).toBe(1);
    });

    it("answers requests asked concurrently and then one after the other in one call", async () => {
      const { client, asked, received } = await openSdkClient(kind);
      expect(textOf(await client.callTool({ name: "interview", arguments: {} }))).toBe(
        "Ada / short / file:///work",
      );
      expect([asked.elicit.length, asked.sample.length, asked.roots]).toEqual([1, 1, 1]);
      // The first two were asked together (their order is not fixed), the roots after both answers.
      const asks = received.filter((message) => "method" in message && "id" in message).map((m) => m.method);
      expect(asks.slice(0, 2).sort()).toEqual(["elicitation/create", "sampling/createMessage"]);
      expect(asks.slice(2)).toEqual(["roots/list"]);
    });

    it("delivers progress and logs sent after the answer", async () => {
      const { client, logs, received } = await openSdkClient(kind);
      await client.setLoggingLevel("info");
      const progress: Progress[] = [];
      const result = await client.callTool({ name: "ask", arguments: {} }, undefined, {
        onprogress: (update) => progress.push(update),
      });
      expect(textOf(result)).toBe("Hello, friend Ada!");
      expectDeliveredProgress(
        progress,
        [{ progress: 1, total: 1, message: "answered" }],
        kind === "stdio",
        received,
      );
      expect(logs).toEqual([{ level: "info", data: "got an answer from Ada" }]);
    });

    it("a client that did not declare roots gets -32021 (missing client capability)", async () => {
      const { client, asked } = await openSdkClient(kind, { capabilities: { elicitation: { form: {} } } });
      await expect(client.callTool({ name: "roots", arguments: {} })).rejects.toMatchObject({
        code: -32021,
        data: { requiredCapabilities: { roots: {} } },
      });
      // A client declaring form mode only cannot be sent to a URL either.
      await expect(client.callTool({ name: "visit", arguments: {} })).rejects.toMatchObject({ code: -32021 });
      expect(asked.elicit).toEqual([]);
    });
  },
);

describe.each(KINDS)(
  "official SDK v1 client → fastmcp-ts server over $label: change notifications",
  ({ kind }) => {
    /**
     * Toggles the extra tool and waits for the tools/list_changed it causes: the sentinel for
     * notifications that should not come. The server sends list_changed and resources/updated the
     * same way (stdio: the one stdout pipe; Streamable HTTP: the session's GET stream), so anything
     * the calls before it caused has arrived by then.
     */
    async function sentinel(client: SdkClient, changes: { method: string }[]) {
      const before = changes.filter((change) => change.method === TOOLS_CHANGED).length;
      await client.callTool({ name: "toggle", arguments: {} });
      await vi.waitFor(
        () => expect(changes.filter((change) => change.method === TOOLS_CHANGED)).toHaveLength(before + 1),
        WAIT_FOR,
      );
    }

    it("resources/subscribe delivers updates of that URI until unsubscribed; tools list_changed arrives", async () => {
      const { client, changes } = await openSdkClient(kind);
      expect(client.getServerCapabilities()).toMatchObject({
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
      });
      await client.subscribeResource({ uri: "config://test" });
      expect(textOf(await client.callTool({ name: "toggle", arguments: {} }))).toBe("extra on");
      await client.callTool({ name: "touch", arguments: { uri: "config://test" } });
      await client.callTool({ name: "touch", arguments: { uri: "users://1/profile" } });
      await vi.waitFor(
        () =>
          expect(changes).toEqual([
            { method: "notifications/tools/list_changed" },
            { method: "notifications/resources/updated", params: { uri: "config://test" } },
          ]),
        WAIT_FOR,
      );
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain("extra");
      // Nothing for users://1/profile, which nobody subscribed to.
      await sentinel(client, changes);
      expect(changes.slice(2)).toEqual([{ method: TOOLS_CHANGED }]);

      await client.unsubscribeResource({ uri: "config://test" });
      await client.callTool({ name: "touch", arguments: { uri: "config://test" } });
      await sentinel(client, changes);
      expect(changes.slice(3)).toEqual([{ method: TOOLS_CHANGED }]);
    });

    it("ClientOptions.listChanged refreshes the tool list on list_changed", async () => {
      const refreshed: string[][] = [];
      const { client } = await openSdkClient(kind, {
        listChanged: {
          listChanged: {
            tools: {
              debounceMs: 0,
              onChanged: (error, tools) => {
                if (error) throw error;
                refreshed.push((tools ?? []).map((tool) => tool.name));
              },
            },
          },
        },
      });
      await client.callTool({ name: "toggle", arguments: {} });
      await vi.waitFor(() => expect(refreshed).toHaveLength(1), WAIT_FOR);
      expect(refreshed[0]).toContain("extra");
      await client.callTool({ name: "toggle", arguments: {} });
      await vi.waitFor(() => expect(refreshed).toHaveLength(2), WAIT_FOR);
      expect(refreshed[1]).not.toContain("extra");
    });
  },
);

// ---------------------------------------------------------------------------------------------
// Our Client → the official v1 feature server.

/**
 * The v1 feature server over stateful StreamableHTTPServerTransport on node:http (one server and
 * transport per session, as in v1's examples); closed after the test.
 */
async function serveV1Features() {
  const v1 = sdkV1Sessions(createSdkV1FeatureServer);
  const getStreams = new Set<ServerResponse>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "GET") {
      getStreams.add(res);
      res.once("close", () => getStreams.delete(res));
    }
    await v1.handle(req, res);
  };
  const host = await serveAsync(cleanup, handle, () => v1.close());
  return { url: `${host.origin}/mcp`, getStreams };
}

/** Our Client with answering handlers (but those named in `without`) to the v1 feature server. */
async function connectV1(kind: Kind, options: ClientOptions = {}, without: "elicitation"[] = []) {
  const asked: ElicitationRequest[] = [];
  const merged: ClientOptions = {
    elicitation: (request) => {
      asked.push(request);
      return request.mode === "url" ? { action: "accept" } : { action: "accept", data: { name: "Ada" } };
    },
    sampling: () => "short",
    roots: [{ uri: "file:///work", name: "work" }],
    ...options,
  };
  for (const handler of without) delete merged[handler];
  const recorder = recordingFetch();
  let client: Client;
  if (kind === "stdio") {
    client = new Client(
      new StdioTransport("node", [...sdkV1Server(), "--features"], {
        cwd: ROOT,
        stderr: "pipe",
      }),
      merged,
    );
    cleanup.add(() => client.close());
    await client.connect();
  } else {
    const server = await serveV1Features();
    client = new Client(new StreamableHttpTransport({ url: server.url, fetch: recorder.fetch }), merged);
    cleanup.add(() => client.close());
    await client.connect();
    // v1 sends what is not related to a request (list changes, resource updates, its
    // sendLoggingMessage) on the standalone GET stream our Client opens: wait for it.
    await vi.waitFor(() => expect(server.getStreams.size).toBe(1), WAIT_FOR);
  }
  expect(client.era).toBe("legacy");
  expect(client.protocolVersion).toBe("2025-11-25");
  return { client, asked, requests: recorder.requests };
}

describe.each(KINDS)(
  "fastmcp-ts Client → official SDK v1 server over $label: answering the server",
  ({ kind }) => {
    it("form elicitation: our handler answers; the schema's defaults are filled in; decline and cancel", async () => {
      const actions: ("accept" | "decline" | "cancel")[] = ["accept", "decline", "cancel"];
      const seen: ElicitationRequest[] = [];
      const { client, requests } = await connectV1(kind, {
        elicitation: (request) => {
          seen.push(request);
          const action = actions[seen.length - 1] ?? "cancel";
          return action === "accept" ? { action, data: { name: "Ada" } } : { action };
        },
      });
      // The v1 tool reads `title` from the raw answer: "friend" is the default our Client filled in.
      expect((await client.callTool("ask")).text).toBe("Hello, friend Ada!");
      expect((await client.callTool("ask")).text).toBe("decline");
      expect((await client.callTool("ask")).text).toBe("cancel");
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
        // Our answer was POSTed back to the session as a JSON-RPC response.
        const answers = requests.filter(
          (entry) =>
            entry.method === "POST" &&
            typeof entry.body === "object" &&
            entry.body !== null &&
            "result" in entry.body,
        );
        expect(answers[0]?.body).toMatchObject({
          result: { action: "accept", content: { name: "Ada", title: "friend" } },
        });
        expect(answers[0]?.status).toBe(202);
      }
    });

    it("URL elicitation: our handler gets the URL and the elicitationId", async () => {
      const { client, asked } = await connectV1(kind);
      expect((await client.callTool("visit")).text).toBe("accept");
      expect(asked).toEqual([
        expect.objectContaining({
          mode: "url",
          message: "Please sign in",
          url: "https://example.com/login",
          elicitationId: expect.any(String),
        }),
      ]);
    });

    it("sampling: a string answer becomes a completion for the v1 tool", async () => {
      const prompts: unknown[] = [];
      const { client } = await connectV1(kind, {
        sampling: (request) => {
          prompts.push(request);
          return "short";
        },
      });
      expect((await client.callTool("summarize", { text: "a long story" })).text).toBe("short (unknown)");
      expect(prompts).toEqual([
        expect.objectContaining({
          messages: [{ role: "user", content: { type: "text", text: "Summarize: a long story" } }],
          maxTokens: 50,
          systemPrompt: "Be brief.",
        }),
      ]);
    });

    it("roots: our roots reach the v1 tool", async () => {
      const { client } = await connectV1(kind, {
        roots: () => [{ uri: "file:///work", name: "work" }, { uri: "file:///tmp" }],
      });
      expect((await client.callTool("roots")).text).toBe("file:///work (work)\nfile:///tmp");
    });

    it("without an elicitation handler the v1 tool fails: v1 checks the declared capabilities", async () => {
      const { client } = await connectV1(kind, {}, ["elicitation"]);
      const error = await client.callTool("ask").catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ToolError);
      expect((error as ToolError).message).toContain("Client does not support form elicitation");
    });

    it("client-wide onProgress and onLog receive the tool's progress and log", async () => {
      const progress: [number, number | undefined, string | undefined][] = [];
      const logs: LogMessage[] = [];
      const { client } = await connectV1(kind, {
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
        () => expect(logs).toEqual([{ level: "info", logger: "v1", data: "hello from v1" }]),
        WAIT_FOR,
      );
    });

    it("listen() hears list changes and updates of the subscribed URI; closing unsubscribes", async () => {
      const seen: JSONRPCNotification[] = [];
      const { client, requests } = await connectV1(kind, {
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

      expect((await client.callTool("toggle")).text).toBe("extra on");
      await client.callTool("touch", { uri: "config://test" });
      await client.callTool("touch", { uri: "users://1/profile" });
      const first = await changes.next();
      const second = await changes.next();
      expect(first.value).toMatchObject({ method: "notifications/tools/list_changed" });
      expect(second.value).toMatchObject({
        method: "notifications/resources/updated",
        params: { uri: "config://test" },
      });
      expect((await client.listTools()).map((tool) => tool.name)).toContain("extra");

      await changes.close();
      // The sentinel: a subscription to list changes only. v1 sends resources/updated and
      // list_changed alike (stdio: the one stdout pipe; HTTP: the standalone GET stream), so an
      // update caused by the touch would arrive before the list_changed caused by the toggle after it.
      await using sentinel = await client.listen({ toolsListChanged: true });
      seen.length = 0;
      await client.callTool("touch", { uri: "config://test" });
      await client.callTool("toggle");
      expect((await sentinel.next()).value).toMatchObject({ method: "notifications/tools/list_changed" });
      // The v1 server only sends updates of subscribed URIs: none came, so the unsubscribe reached it.
      expect(seen.map((notification) => notification.method)).toEqual(["notifications/tools/list_changed"]);
      if (kind === "http") {
        const methods = postedRequests(requests).map((entry) => entry.body.method);
        expect(methods).toContain("resources/subscribe");
        expect(methods).toContain("resources/unsubscribe");
      }
    });
  },
);
