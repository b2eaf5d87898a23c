/**
 * 2026-07-28 input-required rounds against bad or absent clients, in memory and over Streamable
 * HTTP, with raw requests (the transport's `sendRequest`, below the client's retry loop):
 * tampered, expired and replayed requestState, stray and malformed answers, a client that never
 * answers; and subscription streams the client drops (in memory, over stdio and over HTTP).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  Client,
  ErrorCode,
  type FastMCP,
  type FastMCPOptions,
  type ListeningServer,
  MetaKey,
  type Result,
  StdioTransport,
} from "../../src/index.js";
import { createMatrixServer } from "../fixtures/matrix-server.js";
import { expectMcpError, listenerCount } from "../helpers/matrix-rig.js";
import { MATRIX_SERVER, ROOT } from "../helpers/paths.js";
import { MODERN } from "../helpers/protocol.js";
import { until, within } from "../helpers/wait.js";

type Kind = "memory" | "http";

const ENVELOPE = {
  [MetaKey.ProtocolVersion]: MODERN,
  [MetaKey.ClientCapabilities]: { elicitation: { form: {}, url: {} }, sampling: {}, roots: {} },
  [MetaKey.ClientInfo]: { name: "raw", version: "1" },
};

const ACCEPT = { action: "accept", content: { name: "Ada", age: 1, color: "red", tags: [] } };

const clients: Client[] = [];
const servers: ListeningServer[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.allSettled(clients.splice(0).map((client) => client.close()));
  await Promise.allSettled(servers.splice(0).map((server) => server.close()));
});

/** A matrix server (plus `configure`), and a modern client to it over `kind`. */
async function setup(
  kind: Kind,
  options: Partial<FastMCPOptions> = {},
  configure?: (mcp: FastMCP) => void,
): Promise<{ mcp: FastMCP; client: Client; url: string | undefined }> {
  const mcp = createMatrixServer(options);
  configure?.(mcp);
  let url: string | undefined;
  if (kind === "http") {
    const listening = await mcp.listen({ host: "127.0.0.1", port: 0 });
    servers.push(listening);
    url = listening.url;
  }
  const client = new Client(url ?? mcp);
  clients.push(client);
  await client.connect();
  expect(client.protocolVersion).toBe(MODERN);
  return { mcp, client, url };
}

/** A raw 2026-07-28 request: the envelope, no retry loop, the result as the server sent it. */
function raw(client: Client, method: string, params: Record<string, unknown>): Promise<Result> {
  return client.transport.sendRequest({ method, params: { ...params, _meta: ENVELOPE } });
}

/** Calls a tool raw and expects an input_required result; returns its single key and state. */
async function firstRound(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<{ key: string; state: string; result: Result }> {
  const result = await raw(client, "tools/call", { name, arguments: args });
  expect(result.resultType).toBe("input_required");
  const keys = Object.keys(result.inputRequests as object);
  expect(keys).toHaveLength(1);
  expect(result.requestState).toEqual(expect.any(String));
  return { key: keys[0] as string, state: result.requestState as string, result };
}

/** The token with the character at `index` replaced by another base64url character. */
function flip(token: string, index: number): string {
  const char = token[index];
  const replacement = char === "." ? "A" : char === "A" ? "B" : "A";
  return token.slice(0, index) + replacement + token.slice(index + 1);
}

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * A short pause before a timer baseline is taken, so the warm-up's short-lived timers are gone
 * and the baseline is strict; no assertion depends on its length.
 */
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe.each<Kind>(["memory", "http"])("input rounds over %s: bad input", (kind) => {
  it("a requestState with any one character changed is refused with -32602", async () => {
    const { client } = await setup(kind);
    const { key, state } = await firstRound(client, "elicit_form");
    const retry = (requestState: string) =>
      raw(client, "tools/call", {
        name: "elicit_form",
        arguments: {},
        inputResponses: { [key]: ACCEPT },
        requestState,
      });
    // The untouched state is accepted (so the refusals below are about the change alone).
    const ok = await retry(state);
    expect(ok.resultType).toBe("complete");
    expect(JSON.parse((ok.content as { text: string }[])[0]?.text ?? "")).toMatchObject({ action: "accept" });
    // In memory every position is tried; over HTTP a spread of them (body, dot, signature, last).
    const positions =
      kind === "memory"
        ? [...state].map((_, index) => index)
        : [0, 7, Math.floor(state.length / 2), state.indexOf("."), state.length - 2, state.length - 1];
    for (const position of positions) {
      const error = await expectMcpError(retry(flip(state, position)), ErrorCode.InvalidParams);
      expect(error.message, `position ${position}`).toMatch(/requestState/);
    }
    // The signature's last character carries unused bits: any other character must still be refused
    // (a decoder that ignores those bits would accept 3 of them as the same signature).
    const last = state.length - 1;
    for (const char of BASE64URL) {
      if (char === state[last]) continue;
      const changed = state.slice(0, last) + char;
      await expectMcpError(retry(changed), ErrorCode.InvalidParams);
    }
    await expectMcpError(retry(`${state}x`), ErrorCode.InvalidParams);
    await expectMcpError(retry(""), ErrorCode.InvalidParams);
    await expectMcpError(
      raw(client, "tools/call", { name: "elicit_form", arguments: {}, requestState: 42 }),
      ErrorCode.InvalidParams,
    );
  });

  it("an expired requestState is refused with -32602", async () => {
    // The clock moves only when the test says so (timers stay real): no sleep to pass the TTL.
    vi.useFakeTimers({ toFake: ["Date"] });
    const { client } = await setup(kind, { requestState: { ttlMs: 60_000 } });
    const sealed = Date.now();
    const { key, state } = await firstRound(client, "elicit_form");
    vi.setSystemTime(sealed + 60_001);
    const error = await expectMcpError(
      raw(client, "tools/call", {
        name: "elicit_form",
        arguments: {},
        inputResponses: { [key]: ACCEPT },
        requestState: state,
      }),
      ErrorCode.InvalidParams,
    );
    expect(error.message).toMatch(/expired/);
  });

  it("a requestState replayed on another tool, other arguments or another method is refused", async () => {
    const { client } = await setup(kind);
    const form = await firstRound(client, "elicit_form");
    // elicit_enums asks for an elicitation under the same key: only the binding stops the replay.
    const enums = await firstRound(client, "elicit_enums");
    expect(enums.key).toBe(form.key);
    const otherTool = await expectMcpError(
      raw(client, "tools/call", {
        name: "elicit_enums",
        arguments: {},
        inputResponses: { [form.key]: { action: "accept", content: { size: "s" } } },
        requestState: form.state,
      }),
      ErrorCode.InvalidParams,
    );
    expect(otherTool.message).toMatch(/other parameters/);

    const sample = await firstRound(client, "sample", { prompt: "a" });
    const answer = { role: "assistant", content: { type: "text", text: "hi" }, model: "m" };
    const otherArgs = await expectMcpError(
      raw(client, "tools/call", {
        name: "sample",
        arguments: { prompt: "b" },
        inputResponses: { [sample.key]: answer },
        requestState: sample.state,
      }),
      ErrorCode.InvalidParams,
    );
    expect(otherArgs.message).toMatch(/other parameters/);
    // The same retry with the original arguments goes through.
    const ok = await raw(client, "tools/call", {
      name: "sample",
      arguments: { prompt: "a" },
      inputResponses: { [sample.key]: answer },
      requestState: sample.state,
    });
    expect(ok.resultType).toBe("complete");

    const otherMethod = await expectMcpError(
      raw(client, "prompts/get", {
        name: "ask_prompt",
        inputResponses: { [form.key]: { action: "accept", content: { topic: "x" } } },
        requestState: form.state,
      }),
      ErrorCode.InvalidParams,
    );
    expect(otherMethod.message).toMatch(/tools\/call/);
  });

  it("an answer for a key never asked is ignored", async () => {
    const { client } = await setup(kind);
    const stray = { action: "accept", content: { name: "Mallory" } };
    // Without the answer it needs, the handler still asks for it.
    const first = await raw(client, "tools/call", {
      name: "elicit_form",
      arguments: {},
      inputResponses: { bogus: stray },
    });
    expect(first.resultType).toBe("input_required");
    const keys = Object.keys(first.inputRequests as object);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toBe("bogus");
    const key = keys[0] as string;
    // With it, it completes and the stray answer changes nothing.
    const done = await raw(client, "tools/call", {
      name: "elicit_form",
      arguments: {},
      inputResponses: { bogus: stray, [key]: ACCEPT },
      requestState: first.requestState,
    });
    expect(done.resultType).toBe("complete");
    expect(JSON.parse((done.content as { text: string }[])[0]?.text ?? "")).toEqual({
      action: "accept",
      data: ACCEPT.content,
    });
    // A tool that asks nothing completes whatever answers come with it.
    const plain = await raw(client, "tools/call", {
      name: "read_config",
      arguments: {},
      inputResponses: { bogus: stray },
    });
    expect(plain.resultType).toBe("complete");
  });

  it("a malformed answer is refused with -32602", async () => {
    const { client } = await setup(kind);
    const cases: [string, Record<string, unknown>, unknown][] = [
      ["elicit_form", {}, { content: { name: "Ada" } }],
      ["elicit_form", {}, { action: "maybe" }],
      ["elicit_form", {}, "accept"],
      ["sample", { prompt: "x" }, { model: "m" }],
      ["roots", {}, { roots: "file:///" }],
    ];
    for (const [name, args, answer] of cases) {
      const { key, state } = await firstRound(client, name, args);
      const error = await expectMcpError(
        raw(client, "tools/call", {
          name,
          arguments: args,
          inputResponses: { [key]: answer },
          requestState: state,
        }),
        ErrorCode.InvalidParams,
      );
      expect(error.message, JSON.stringify(answer)).toMatch(key);
    }
    await expectMcpError(
      raw(client, "tools/call", { name: "elicit_form", arguments: {}, inputResponses: "nope" }),
      ErrorCode.InvalidParams,
    );
  });

  it("a client that never answers leaves nothing behind", async () => {
    const probe = { runs: 0, aborted: 0, unwound: 0, reason: undefined as unknown };
    const { mcp, client } = await setup(kind, {}, (server) => {
      server.tool("probe", async (_args, ctx) => {
        probe.runs++;
        ctx.signal.addEventListener("abort", () => {
          probe.aborted++;
          probe.reason = ctx.signal.reason;
        });
        try {
          const [a, b] = await Promise.all([
            ctx.elicit("Never answered", z.object({ x: z.string() })),
            ctx.sample("Never answered either"),
          ]);
          return JSON.stringify([a, b]);
        } finally {
          probe.unwound++;
        }
      });
    });
    // Warm up (the HTTP client learns the tool list on its first call), then count timers.
    await raw(client, "tools/call", { name: "read_config", arguments: {} });
    await tick();
    const timers = () => process.getActiveResourcesInfo().filter((type) => type === "Timeout").length;
    const before = timers();

    const result = await raw(client, "tools/call", { name: "probe", arguments: {} });
    expect(result.resultType).toBe("input_required");
    expect(Object.keys(result.inputRequests as object)).toHaveLength(2);
    // The abandoned run is told (its signal aborts) and unwinds; then nothing waits or ticks.
    await until(() => probe.unwound === 1, 5000, "the abandoned run to unwind");
    expect(probe).toMatchObject({ runs: 1, aborted: 1, unwound: 1 });
    expect((probe.reason as Error).name).toBe("InputRequiredSignal");
    await until(() => timers() <= before, 5000, "the timers to go back to the baseline");
    expect(mcp.stats().listeners).toBe(0);
  });
});

describe("a subscription stream the client drops releases its listener", () => {
  it("in memory: closing the subscription, and closing the client", async () => {
    const { mcp, client } = await setup("memory");
    const subscription = await client.listen({ toolsListChanged: true });
    expect(mcp.stats().listeners).toBe(1);
    await subscription.close();
    await until(() => mcp.stats().listeners === 0, 5000, "the listener to go");

    const other = await client.listen({ resourceSubscriptions: ["watch://a"] });
    expect(mcp.stats().listeners).toBe(1);
    await client.close();
    await until(() => mcp.stats().listeners === 0, 5000, "the listener to go");
    expect(other.closed).toBe(true);
  });

  it("over HTTP: closing the client aborts the stream", async () => {
    const { mcp, client } = await setup("http");
    const subscription = await client.listen({ toolsListChanged: true });
    expect(mcp.stats().listeners).toBe(1);
    await subscription.close();
    await until(() => mcp.stats().listeners === 0, 5000, "the listener to go");

    await client.listen({ promptsListChanged: true });
    expect(mcp.stats().listeners).toBe(1);
    await client.close();
    await until(() => mcp.stats().listeners === 0, 5000, "the listener to go");
  });

  it("over HTTP: a raw stream aborted mid-way", async () => {
    const { mcp, url } = await setup("http");
    const controller = new AbortController();
    const response = await fetch(url as string, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": MODERN,
        "mcp-method": "subscriptions/listen",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "subscriptions/listen",
        params: { notifications: { toolsListChanged: true }, _meta: ENVELOPE },
      }),
      signal: controller.signal,
    });
    expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await within(reader.read(), 5000, "the acknowledgement");
    expect(new TextDecoder().decode(first.value)).toMatch(/notifications\/subscriptions\/acknowledged/);
    expect(mcp.stats().listeners).toBe(1);
    controller.abort();
    await reader.cancel().catch(() => {});
    await until(() => mcp.stats().listeners === 0, 5000, "the listener to go");
  });

  it("over stdio: closing the subscription (the count read through a tool)", async () => {
    const client = new Client(
      new StdioTransport(process.execPath, ["--import", "tsx", MATRIX_SERVER], { cwd: ROOT, stderr: "pipe" }),
    );
    clients.push(client);
    await client.connect();
    expect(client.protocolVersion).toBe(MODERN);
    const first = await client.listen({ toolsListChanged: true });
    const second = await client.listen({ resourceSubscriptions: ["watch://a"] });
    expect(await listenerCount(client)).toBe(2);
    await first.close();
    await until(async () => (await listenerCount(client)) === 1, 5000, "one listener to go");
    await second.close();
    await until(async () => (await listenerCount(client)) === 0, 5000, "the other listener to go");
  });
});

describe("input rounds in memory: a handler's result and its wait for input, whichever comes first", () => {
  const ASK = z.object({ x: z.string() });

  it("a result before the round answers, and the ask left waiting ends", async () => {
    const probe = { reason: undefined as unknown };
    const { client } = await setup("memory", {}, (server) => {
      server.tool("ask_and_return", (_args, ctx) => {
        ctx.elicit("Not waited for", ASK).catch((error: unknown) => {
          probe.reason = error;
        });
        return "done";
      });
    });
    const result = await raw(client, "tools/call", { name: "ask_and_return", arguments: {} });
    expect(result.resultType).toBe("complete");
    expect((result.content as { text: string }[])[0]?.text).toBe("done");
    await until(() => probe.reason !== undefined, 5000, "the pending ask to end");
    expect((probe.reason as Error).name).toBe("InputRequiredSignal");
  });

  it("an error before the round answers", async () => {
    const { client } = await setup("memory", {}, (server) => {
      server.resource("race://fails", (ctx) => {
        ctx.elicit("Not waited for", ASK).catch(() => {});
        throw new Error("failed before the round");
      });
    });
    await expectMcpError(raw(client, "resources/read", { uri: "race://fails" }), ErrorCode.InternalError);
  });

  it("the round goes out at once, whatever the abandoned run does after", async () => {
    const ends = { late: 0, hung: 0 };
    const { client } = await setup("memory", {}, (server) => {
      // Ends with a result of its own once abandoned: the round still answers.
      server.tool("late_result", async (_args, ctx) => {
        try {
          return JSON.stringify(await ctx.elicit("Never answered", ASK));
        } catch {
          ends.late++;
          return "late";
        }
      });
      // Never ends once abandoned: the round does not wait for it.
      server.tool("never_ends", async (_args, ctx) => {
        try {
          return JSON.stringify(await ctx.elicit("Never answered", ASK));
        } catch {
          ends.hung++;
          return new Promise<string>(() => {});
        }
      });
    });
    for (const name of ["late_result", "never_ends"]) {
      const result = await raw(client, "tools/call", { name, arguments: {} });
      expect(result.resultType).toBe("input_required");
      expect(Object.keys(result.inputRequests as object)).toHaveLength(1);
    }
    await until(() => ends.late === 1 && ends.hung === 1, 5000, "both runs to be abandoned");
  });
});
