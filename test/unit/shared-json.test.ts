/**
 * What `initialize` gives a legacy session for its lifetime (the client's capabilities, its name
 * and version) is kept once for all sessions alike, as a frozen copy (issue 14). Each session still
 * sees what its own client sent, and the objects a client handed over (in-process transports pass
 * them by reference) are never frozen. A session's options are kept and called as methods.
 */
import { describe, expect, it } from "vitest";
import { FastMCP } from "../../src/index.js";
import { sharedJson } from "../../src/protocol/shared-json.js";
import type { JSONRPCMessage } from "../../src/protocol/types.js";
import type { SessionOptions } from "../../src/server/entry.js";

describe("sharedJson", () => {
  it("gives one deeply frozen copy for equal values, never the value itself", () => {
    const given = { roots: { listChanged: true }, sampling: {} };
    const kept = sharedJson(given);
    expect(kept).toEqual(given);
    expect(kept).not.toBe(given);
    expect(Object.isFrozen(given)).toBe(false);
    expect(Object.isFrozen(kept) && Object.isFrozen(kept.roots)).toBe(true);
    expect(sharedJson({ roots: { listChanged: true }, sampling: {} })).toBe(kept);
    expect(sharedJson({ sampling: {} })).not.toBe(kept);
  });

  it("keeps a large value as it is, and stays right past its table's size", () => {
    const large = { name: "x".repeat(2000), version: "1" };
    expect(sharedJson(large)).toBe(large);
    expect(Object.isFrozen(large)).toBe(false);
    const first = sharedJson({ name: "client-0", version: "1" });
    for (let i = 0; i < 200; i++) {
      const value = { name: `client-${i}`, version: "1" };
      expect(sharedJson(value)).toEqual(value);
    }
    expect(first).toEqual({ name: "client-0", version: "1" });
  });

  it("keeps a value JSON cannot encode as it is", () => {
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    expect(sharedJson(cyclic)).toBe(cyclic);
    const big = { n: 1n };
    expect(sharedJson(big)).toBe(big);
  });
});

/** A transport whose handlers are prototype methods that use `this`. */
class Recorder implements SessionOptions {
  readonly transport = "custom";
  readonly answers = new Map<unknown, (message: Record<string, unknown>) => void>();
  readonly notifications: string[] = [];

  send(message: JSONRPCMessage): void {
    const reply = message as unknown as Record<string, unknown>;
    if (!("id" in reply)) this.notifications.push(reply.method as string);
    this.answers.get(reply.id)?.(reply);
  }
}

function open(mcp: FastMCP) {
  const recorder = new Recorder();
  const session = mcp.createSession(recorder);
  let id = 0;
  const request = (method: string, params: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve) => {
      recorder.answers.set(++id, resolve);
      session.receive({ jsonrpc: "2.0", id, method, params });
    });
  const notify = (method: string) => session.receive({ jsonrpc: "2.0", method });
  return { session, request, notify, recorder };
}

describe("what sessions keep of their client", () => {
  it("each session sees its own client's values; the client's objects stay its own", async () => {
    const mcp = new FastMCP("clients");
    mcp.tool("client", (_args, ctx) => ({
      info: ctx.clientInfo ?? null,
      capabilities: ctx.clientCapabilities,
    }));
    const capabilities = { roots: { listChanged: true } };
    const clientInfo = { name: "app", version: "1.0.0" };
    const sessions = [open(mcp), open(mcp), open(mcp)];
    const given = [
      { capabilities, clientInfo },
      { capabilities, clientInfo },
      { capabilities: { sampling: {} }, clientInfo: { name: "other", version: "2" } },
    ];
    for (const [index, { request }] of sessions.entries()) {
      const reply = await request("initialize", { protocolVersion: "2025-11-25", ...given[index] });
      expect(reply.result).toBeDefined();
    }
    for (const [index, { request }] of sessions.entries()) {
      const reply = await request("tools/call", { name: "client", arguments: {} });
      expect((reply.result as { structuredContent: unknown }).structuredContent).toEqual({
        info: given[index]?.clientInfo,
        capabilities: given[index]?.capabilities,
      });
    }
    expect(mcp.sessions().map((session) => session.clientInfo)).toEqual(given.map((g) => g.clientInfo));
    // The client may go on changing its own objects: they were copied, not frozen.
    expect(Object.isFrozen(capabilities) || Object.isFrozen(capabilities.roots)).toBe(false);
    expect(Object.isFrozen(clientInfo)).toBe(false);
    for (const { session } of sessions) session.close();
    expect(mcp.sessions()).toEqual([]);
  });

  it("sessions that started alike change on their own: initialized, log level", async () => {
    const mcp = new FastMCP("levels");
    mcp.tool("log", async (_args, ctx) => {
      await ctx.info("said at info");
      return "logged";
    });
    const init = {
      protocolVersion: "2025-11-25",
      capabilities: {},
      clientInfo: { name: "app", version: "1" },
    };
    const [a, b] = [open(mcp), open(mcp)] as const;
    await a.request("initialize", init);
    await b.request("initialize", init);
    a.notify("notifications/initialized");
    expect(mcp.sessions().map((session) => session.initialized)).toEqual([true, false]);
    b.notify("notifications/initialized");
    expect((await a.request("logging/setLevel", { level: "error" })).result).toEqual({});
    for (const { request } of [a, b]) await request("tools/call", { name: "log", arguments: {} });
    // a asked for errors only; b, in the state a was in before, still gets every level.
    expect(a.recorder.notifications).not.toContain("notifications/message");
    expect(b.recorder.notifications).toContain("notifications/message");
    expect(mcp.sessions().map((session) => session.initialized)).toEqual([true, true]);
    a.session.close();
    b.session.close();
  });
});
