/**
 * The end-to-end feature matrix: every handler-context feature and client feature (rows) through
 * every transport (in memory, stdio, Streamable HTTP, WebSocket) in both protocol eras (2026-07-28,
 * where asks travel as input-required rounds and subscriptions as `subscriptions/listen`, and
 * 2025-11-25, where they are server-to-client requests and list_changed / resources/subscribe), and
 * the legacy HTTP+SSE transport in the legacy era (see COMBOS in test/helpers/matrix-rig.ts).
 *
 * One rig per transport × era: a server (the stdio one is the fixture's subprocess, shared by
 * the whole block), a shared client whose handlers each test sets through `rig.hooks`, and a bare
 * client that declares no capabilities.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Subscription } from "../../src/client/subscription.js";
import {
  ErrorCode,
  type JSONRPCNotification,
  type LogMessage,
  MetaKey,
  TimeoutError,
} from "../../src/index.js";
import { CONFIG_URI, ENUMS_SCHEMA, OTHER_URI, WATCHED_URI } from "../fixtures/matrix-server.js";
import {
  COMBOS,
  callJson,
  createRig,
  expectMcpError,
  listenerCount,
  type Rig,
  recordWire,
  uid,
  type WireRecord,
} from "../helpers/matrix-rig.js";
import { LEGACY, MODERN } from "../helpers/protocol.js";
import { deferred, until, within } from "../helpers/wait.js";

/** The next notification of a subscription (fails the test if none comes, or the stream ends). */
async function next(subscription: Subscription, what = "a notification"): Promise<JSONRPCNotification> {
  const item = await within(subscription.next(), 5000, what);
  expect(item.done, `the subscription ended while waiting for ${what}`).toBe(false);
  return item.value as JSONRPCNotification;
}

describe.each(COMBOS)("%s transport, %s era", (transport, era) => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await createRig(transport, era);
  });
  afterEach(async () => {
    await rig.reset();
  });
  afterAll(async () => {
    await rig?.close();
  });

  it("negotiates the era's protocol version", () => {
    const expected = era === "modern" ? MODERN : LEGACY;
    expect(rig.client.protocolVersion).toBe(expected);
    expect(rig.client.era).toBe(era);
    expect(rig.bare.protocolVersion).toBe(expected);
    expect(rig.client.serverInfo?.name).toBe("matrix");
  });

  it("ctx.log reaches onLog, filtered by the client's log level", async () => {
    const { client, hooks } = rig;
    const logs: LogMessage[] = [];
    hooks.onLog = (message) => logs.push(message);
    await client.callTool("log");
    expect(logs).toEqual([
      { level: "debug", data: "debug line" },
      { level: "info", data: { message: "info line", data: { n: 1 } } },
      { level: "warning", data: "warning line" },
    ]);

    // modern: the level travels in each request's _meta; legacy: logging/setLevel on the session.
    logs.length = 0;
    await client.setLoggingLevel("info");
    try {
      await client.callTool("log");
      expect(logs.map((log) => log.level)).toEqual(["info", "warning"]);
    } finally {
      await client.setLoggingLevel("debug");
    }
    logs.length = 0;
    await client.callTool("log");
    expect(logs.map((log) => log.level)).toEqual(["debug", "info", "warning"]);

    // The logLevel option applies from the first request on.
    const warnings: LogMessage[] = [];
    const strict = await rig.connect({ logLevel: "warning", onLog: (message) => warnings.push(message) });
    await strict.callTool("log");
    expect(warnings).toEqual([{ level: "warning", data: "warning line" }]);
  });

  it("ctx.log without onLog: modern sends nothing, legacy sends everything until a level is set", async () => {
    await rig.bare.callTool("log");
    const logs = rig.bareNotifications.filter((n) => n.method === "notifications/message");
    expect(logs.map((n) => n.params?.level)).toEqual(rig.modern ? [] : ["debug", "info", "warning"]);
  });

  it("ctx.reportProgress reaches the per-call onProgress, else the client-level one", async () => {
    const { client, hooks } = rig;
    const perCall: unknown[] = [];
    const clientLevel: unknown[] = [];
    hooks.onProgress = (...args) => clientLevel.push(args);
    const result = await client.callTool(
      "progress",
      { steps: 3 },
      { onProgress: (...args) => perCall.push(args) },
    );
    expect(result.text).toBe("done");
    expect(perCall).toEqual([
      [1, 3, "step 1"],
      [2, 3, "step 2"],
      [3, 3, "step 3"],
    ]);
    expect(clientLevel).toEqual([]);
    await client.callTool("progress", { steps: 2 });
    expect(clientLevel).toEqual([
      [1, 2, "step 1"],
      [2, 2, "step 2"],
    ]);
  });

  it("ctx.elicit form mode: the client sees the requested schema and its defaults are filled in", async () => {
    const { client, hooks } = rig;
    hooks.elicitation = () => ({ action: "accept", data: { name: "Ada" } });
    expect(await callJson(client, "elicit_form")).toEqual({
      action: "accept",
      data: { name: "Ada", age: 42, color: "green", tags: ["a"] },
    });
    const form = hooks.calls.elicitation[0] as { mode?: string; message: string; requestedSchema: object };
    expect(form.mode).toBe("form");
    expect(form.message).toBe("Tell me about you");
    expect(form.requestedSchema).toMatchObject({
      type: "object",
      required: ["name"],
      properties: {
        name: { type: "string", description: "Your name" },
        age: { type: "integer", default: 42 },
        color: { type: "string", enum: ["red", "green", "blue"], default: "green" },
        tags: { type: "array", items: { type: "string", enum: ["a", "b", "c"] }, default: ["a"] },
      },
    });

    // A plain JSON Schema: titled single- and multi-select enums reach the client as written, and
    // the defaults in the answer can only come from the client (the server fills none in).
    hooks.elicitation = () => ({ action: "accept", data: { size: "l" } });
    expect(await callJson(client, "elicit_enums")).toEqual({
      action: "accept",
      data: { size: "l", toppings: ["olive"], extras: ["x", "y"], note: "none" },
    });
    expect((hooks.calls.elicitation[1] as { requestedSchema: object }).requestedSchema).toEqual(ENUMS_SCHEMA);
  });

  it("ctx.elicit form mode: decline, cancel, and an answer that breaks the schema", async () => {
    const { client, hooks } = rig;
    hooks.elicitation = () => ({ action: "decline" });
    expect(await callJson(client, "elicit_form")).toEqual({ action: "decline" });
    hooks.elicitation = () => ({ action: "cancel" });
    expect(await callJson(client, "elicit_form")).toEqual({ action: "cancel" });
    hooks.elicitation = () => ({ action: "accept", data: { name: 7 } });
    const error = await expectMcpError(client.callTool("elicit_form"), ErrorCode.InvalidParams);
    expect(error.message).toMatch(/name/);
  });

  it("ctx.elicit URL mode", async () => {
    const { client, hooks } = rig;
    hooks.elicitation = () => ({ action: "accept" });
    expect(await callJson(client, "elicit_url")).toEqual({ action: "accept", data: {} });
    const request = hooks.calls.elicitation[0] as Record<string, unknown>;
    expect(request).toMatchObject({ mode: "url", message: "Sign in", url: "https://example.com/login" });
    // Legacy URL elicitations carry an id for notifications/elicitation/complete.
    if (rig.modern) expect(request.elicitationId).toBeUndefined();
    else expect(request.elicitationId).toEqual(expect.any(String));
    hooks.elicitation = () => ({ action: "decline" });
    expect(await callJson(client, "elicit_url")).toEqual({ action: "decline" });
  });

  it("ctx.sample with a string prompt: the request's options reach the client, .text/.model come back", async () => {
    const { client, hooks } = rig;
    hooks.sampling = (request) => ({
      role: "assistant",
      content: {
        type: "text",
        text: `echo ${(request.messages[0]?.content as { text?: string } | undefined)?.text}`,
      },
      model: "m-1",
      stopReason: "maxTokens",
    });
    expect(await callJson(client, "sample", { prompt: "hello" })).toEqual({
      text: "echo hello",
      model: "m-1",
      stopReason: "maxTokens",
    });
    expect(hooks.calls.sampling[0]).toMatchObject({
      messages: [{ role: "user", content: { type: "text", text: "hello" } }],
      systemPrompt: "Be brief.",
      maxTokens: 77,
      temperature: 0.5,
    });
    // A handler may answer with a plain string.
    hooks.sampling = () => "plain";
    expect(await callJson(client, "sample", { prompt: "x" })).toEqual({
      text: "plain",
      model: "unknown",
      stopReason: "endTurn",
    });
  });

  it("ctx.sample with messages", async () => {
    const { client, hooks } = rig;
    hooks.sampling = () => ({
      role: "assistant",
      content: [
        { type: "text", text: "a" },
        { type: "text", text: "b" },
      ],
      model: "m-2",
    });
    expect(await callJson(client, "sample_messages")).toEqual({
      text: "a\nb",
      model: "m-2",
      role: "assistant",
    });
    expect(
      hooks.calls.sampling[0]?.messages.map((m) => [m.role, (m.content as { text: string }).text]),
    ).toEqual([
      ["user", "first"],
      ["assistant", "second"],
      ["user", "third"],
    ]);
  });

  it("ctx.listRoots with roots as a function and as an array", async () => {
    const { client, hooks } = rig;
    hooks.roots = async () => [{ uri: "file:///work", name: "work" }];
    expect(await callJson(client, "roots")).toEqual([{ uri: "file:///work", name: "work" }]);
    expect(hooks.calls.roots).toBe(1);
    const roots = [{ uri: "file:///a" }, { uri: "file:///b", name: "B" }];
    const withArray = await rig.connect({ roots });
    expect(await callJson(withArray, "roots")).toEqual(roots);
  });

  it("asks started together (Promise.all) travel in one round", async () => {
    const { client, hooks } = rig;
    hooks.elicitation = () => ({ action: "accept", data: { name: "Ada" } });
    hooks.sampling = () => "hi";
    hooks.roots = [{ uri: "file:///r" }];
    const wire = recordWire(client);
    let result: unknown;
    try {
      result = await callJson(client, "ask_all", { id: uid("all") });
    } finally {
      wire.stop();
    }
    // modern: run 1 asks all three in one input_required result, run 2 completes (separate rounds
    // would take four runs); legacy: one run, three server-to-client requests.
    expect(result).toEqual({
      runs: rig.modern ? 2 : 1,
      elicited: { action: "accept", data: { name: "Ada" } },
      sampled: "hi",
      roots: [{ uri: "file:///r" }],
    });
    expect(hooks.calls.elicitation).toHaveLength(1);
    expect(hooks.calls.sampling).toHaveLength(1);
    expect(hooks.calls.roots).toBe(1);
    const calls = wire.records.filter((record) => record.method === "tools/call");
    if (rig.modern) {
      expect(calls).toHaveLength(2);
      const [round, retry] = calls as [WireRecord, WireRecord];
      expect(round.result?.resultType).toBe("input_required");
      const asked = Object.entries(round.result?.inputRequests as Record<string, { method: string }>);
      expect(asked.map(([, request]) => request.method).sort()).toEqual([
        "elicitation/create",
        "roots/list",
        "sampling/createMessage",
      ]);
      expect(Object.keys(retry.params?.inputResponses).sort()).toEqual(asked.map(([key]) => key).sort());
      expect(retry.params?.requestState).toBe(round.result?.requestState);
      expect(retry.result?.resultType).toBe("complete");
    } else {
      expect(calls).toHaveLength(1);
      expect(calls[0]?.result?.resultType).toBeUndefined();
    }
  });

  it("multi-round: ask, then ask again with the first answer", async () => {
    const { client, hooks } = rig;
    let count = 0;
    hooks.elicitation = () => ({ action: "accept", data: { value: `v${++count}` } });
    const wire = recordWire(client);
    try {
      expect(await callJson(client, "ask_twice", { id: uid("twice") })).toEqual({
        runs: rig.modern ? 3 : 1,
        first: { action: "accept", data: { value: "v1" } },
        second: { action: "accept", data: { value: "v2" } },
      });
    } finally {
      wire.stop();
    }
    const rounds = wire.records
      .filter((record) => record.method === "tools/call")
      .map((record) => [record.result?.resultType, Object.keys(record.result?.inputRequests ?? {}).length]);
    expect(rounds).toEqual(
      rig.modern
        ? [
            ["input_required", 1],
            ["input_required", 1],
            ["complete", 0],
          ]
        : [[undefined, 0]],
    );
    expect(hooks.calls.elicitation.map((request) => request.message)).toEqual([
      "First?",
      "Second, after v1?",
    ]);

    hooks.elicitation = () => ({ action: "decline" });
    expect(await callJson(client, "ask_twice", { id: uid("twice") })).toEqual({
      runs: rig.modern ? 2 : 1,
      first: { action: "decline" },
    });
  });

  it("input rounds in prompts/get and resources/read handlers", async () => {
    const { client, hooks } = rig;
    hooks.elicitation = () => ({ action: "accept", data: { topic: "cats" } });
    const prompt = await client.getPrompt("ask_prompt");
    expect(prompt.messages).toEqual([{ role: "user", content: { type: "text", text: "Write about cats" } }]);
    hooks.sampling = () => "roses are red";
    expect((await client.readResource("sampled://poem")).content).toBe("roses are red");
  });

  it("a client without the handler gets McpError -32021 naming the required capability", async () => {
    const cases: [string, Record<string, unknown>, unknown][] = [
      ["elicit_form", {}, { elicitation: { form: {} } }],
      ["elicit_url", {}, { elicitation: { url: {} } }],
      ["sample", { prompt: "x" }, { sampling: {} }],
      ["roots", {}, { roots: {} }],
    ];
    for (const [tool, args, required] of cases) {
      const error = await expectMcpError(
        rig.bare.callTool(tool, args),
        ErrorCode.MissingRequiredClientCapability,
      );
      expect(error.data, tool).toEqual({ requiredCapabilities: required });
    }
    // The prompt and resource paths check it as well.
    await expectMcpError(rig.bare.getPrompt("ask_prompt"), ErrorCode.MissingRequiredClientCapability);
    await expectMcpError(rig.bare.readResource("sampled://poem"), ErrorCode.MissingRequiredClientCapability);
  });

  it("ctx.readResource reads the server's own resource", async () => {
    const text = (await rig.client.callTool("read_config")).text;
    expect(JSON.parse(text)).toEqual({ matrix: true });
    expect(JSON.parse((await rig.client.readResource(CONFIG_URI)).content)).toEqual({ matrix: true });
  });

  it("ctx.signal aborts when the client cancels the call", async () => {
    const { client } = rig;
    const id = uid("cancel");
    const controller = new AbortController();
    const started = deferred();
    const call = client.callTool(
      "wait_cancel",
      { id },
      { signal: controller.signal, onProgress: () => started.resolve() },
    );
    await within(started.promise, 5000, "the handler to start");
    controller.abort(new Error("the user gave up"));
    await expect(call).rejects.toThrow("the user gave up");
    await until(
      async () => (await callJson(client, "was_aborted", { id })).aborted === true,
      5000,
      "the handler's signal to abort",
    );
  });

  it("subscriptions: tools list changes", async () => {
    const { client } = rig;
    const subscription = await client.listen({ toolsListChanged: true });
    try {
      expect(await listenerCount(client)).toBe(rig.modern ? 1 : 0);
      await client.callTool("toggle", { kind: "tool", enabled: false });
      const first = await next(subscription, "tools/list_changed after disable");
      expect(first.method).toBe("notifications/tools/list_changed");
      if (rig.modern) {
        expect(
          (first.params?._meta as Record<string, unknown> | undefined)?.[MetaKey.SubscriptionId],
        ).toBeDefined();
      }
      expect((await client.listTools()).map((tool) => tool.name)).not.toContain("dynamic");
      await client.callTool("toggle", { kind: "tool", enabled: true });
      expect((await next(subscription, "tools/list_changed after enable")).method).toBe(
        "notifications/tools/list_changed",
      );
      expect((await client.listTools()).map((tool) => tool.name)).toContain("dynamic");
    } finally {
      await subscription.close();
    }
  });

  it("subscriptions: prompts list changes, and only what the filter asked for", async () => {
    const { client } = rig;
    const subscription = await client.listen({ promptsListChanged: true });
    try {
      // Tool changes are not part of this filter.
      await client.callTool("toggle", { kind: "tool", enabled: false });
      await client.callTool("toggle", { kind: "tool", enabled: true });
      await client.callTool("toggle", { kind: "prompt", enabled: false });
      expect((await next(subscription)).method).toBe("notifications/prompts/list_changed");
      expect((await client.listPrompts()).map((prompt) => prompt.name)).not.toContain("dynamic_prompt");
      await client.callTool("toggle", { kind: "prompt", enabled: true });
      expect((await next(subscription)).method).toBe("notifications/prompts/list_changed");
    } finally {
      await subscription.close();
      await client.callTool("toggle", { kind: "prompt", enabled: true });
    }
  });

  it("subscriptions: resources list changes", async () => {
    const { client } = rig;
    const subscription = await client.listen({ resourcesListChanged: true });
    try {
      await client.callTool("toggle", { kind: "resource", enabled: false });
      expect((await next(subscription)).method).toBe("notifications/resources/list_changed");
      expect((await client.listResources()).map((resource) => resource.uri)).not.toContain("dynamic://r");
      await client.callTool("toggle", { kind: "resource", enabled: true });
      expect((await next(subscription)).method).toBe("notifications/resources/list_changed");
    } finally {
      await subscription.close();
      await client.callTool("toggle", { kind: "resource", enabled: true });
    }
  });

  it("subscriptions: updates of a subscribed resource only", async () => {
    const { client } = rig;
    const subscription = await client.listen({ resourceSubscriptions: [WATCHED_URI] });
    try {
      await client.callTool("touch", { uri: OTHER_URI });
      await client.callTool("touch", { uri: WATCHED_URI });
      const update = await next(subscription, "resources/updated");
      expect(update.method).toBe("notifications/resources/updated");
      expect(update.params?.uri).toBe(WATCHED_URI);
    } finally {
      await subscription.close();
    }
  });

  it("subscriptions: the acknowledged filter is what the server agreed to", async () => {
    const subscription = await rig.client.listen({
      toolsListChanged: true,
      promptsListChanged: false,
      resourceSubscriptions: [WATCHED_URI],
    });
    try {
      expect(subscription.acknowledged).toEqual({
        toolsListChanged: true,
        resourceSubscriptions: [WATCHED_URI],
      });
    } finally {
      await subscription.close();
    }
  });

  it("subscriptions: close() ends the stream and the server stops sending", async () => {
    const { client, hooks } = rig;
    const first = await client.listen({ resourceSubscriptions: [WATCHED_URI] });
    expect(await listenerCount(client)).toBe(rig.modern ? 1 : 0);
    await first.close();
    expect(first.closed).toBe(true);
    expect(await first.next()).toEqual({ value: undefined, done: true });
    await until(async () => (await listenerCount(client)) === 0, 5000, "the server to drop the listener");

    const seen: JSONRPCNotification[] = [];
    hooks.onNotification = (notification) => seen.push(notification);
    const second = await client.listen({ resourceSubscriptions: [OTHER_URI] });
    // Sent in this order on one channel: when OTHER's update has arrived, WATCHED's would have.
    await client.callTool("touch", { uri: WATCHED_URI });
    await client.callTool("touch", { uri: OTHER_URI });
    expect((await next(second)).params?.uri).toBe(OTHER_URI);
    const updates = seen.filter((n) => n.method === "notifications/resources/updated");
    expect(updates.map((n) => n.params?.uri)).toEqual([OTHER_URI]);

    // Leaving a for-await loop closes the subscription too.
    await client.callTool("touch", { uri: OTHER_URI });
    for await (const notification of second) {
      expect(notification.params?.uri).toBe(OTHER_URI);
      break;
    }
    expect(second.closed).toBe(true);
    await until(async () => (await listenerCount(client)) === 0, 5000, "the server to drop the listener");
  });

  it("completions for prompt and resource-template arguments", async () => {
    const { client } = rig;
    expect(
      await client.complete({ type: "ref/prompt", name: "code" }, { name: "language", value: "py" }),
    ).toEqual({ values: ["python"], total: 1, hasMore: false });
    const styles = await client.complete(
      { type: "ref/prompt", name: "code" },
      { name: "style", value: "" },
      { language: "rust" },
    );
    expect(styles.values).toEqual(["rust-idiomatic", "terse"]);
    const paths = await client.complete(
      { type: "ref/resource", uri: "files://{path}" },
      { name: "path", value: "re" },
    );
    expect(paths.values).toEqual(["readme.md", "report.txt"]);
  });

  it("ping", async () => {
    expect(await rig.client.ping()).toBe(true);
    expect(await rig.bare.ping()).toBe(true);
  });

  it("resetTimeoutOnProgress keeps a call alive while progress arrives", async () => {
    const { client } = rig;
    // Real time is what is under test, so the margins are wide for a busy machine: each gap
    // between progress updates (150 ms) is well under the timeout, the whole call (750 ms) well over.
    const args = { steps: 5, intervalMs: 150 };
    const timeout = 500;
    const progress: number[] = [];
    // Three calls side by side (each takes longer than the timeout in all):
    const [kept, bare, plain] = await Promise.allSettled([
      client.callTool("slow_progress", args, {
        timeout,
        resetTimeoutOnProgress: true,
        onProgress: (value) => progress.push(value),
      }),
      // a client with no progress callback at all still gets progress to reset the timeout;
      rig.bare.callTool("slow_progress", args, { timeout, resetTimeoutOnProgress: true }),
      // without the option, the same call times out.
      client.callTool("slow_progress", args, { timeout }),
    ]);
    expect(kept.status === "fulfilled" && kept.value.text).toBe("finished 5");
    expect(progress).toEqual([1, 2, 3, 4, 5]);
    expect(bare.status === "fulfilled" && bare.value.text).toBe("finished 5");
    expect(plain.status === "rejected" && plain.reason).toBeInstanceOf(TimeoutError);
  });

  it("a per-call timeout rejects with TimeoutError and the client carries on", async () => {
    const { client } = rig;
    const started = Date.now();
    const error = await client.callTool("sleep", { ms: 10_000 }, { timeout: 100 }).catch((caught) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).timeout).toBe(100);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await client.callTool("sleep", { ms: 1 })).text).toBe("slept 1");
  });
});
