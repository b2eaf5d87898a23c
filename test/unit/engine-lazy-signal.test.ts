// The engine creates an incoming request's AbortSignal only when a handler reads it (creating one is
// costly). These check that cancellation behaves the same whether or not the signal was ever read.
import { describe, expect, it } from "vitest";
import { Client, FastMCP, FastMCPTransport } from "../../src/index.js";
import { type IncomingRequestExtra, RpcPeer } from "../../src/protocol/engine.js";
import type { JSONRPCMessage, JSONRPCRequest, Result } from "../../src/protocol/types.js";

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

function server(onRequest: (request: JSONRPCRequest, extra: IncomingRequestExtra) => Promise<Result>) {
  const sent: JSONRPCMessage[] = [];
  const peer = new RpcPeer({ send: (message) => void sent.push(message), onRequest });
  return { peer, sent };
}

describe("lazy AbortSignal of incoming requests", () => {
  it("answers nothing for a cancelled request whose handler never read its signal", async () => {
    let release: ((result: Result) => void) | undefined;
    const { peer, sent } = server(() => new Promise<Result>((resolve) => (release = resolve)));
    peer.receive({ jsonrpc: "2.0", id: 7, method: "slow" });
    expect(peer.inFlightCount).toBe(1);
    peer.receive({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 7 } });
    expect(peer.inFlightCount).toBe(0);
    release?.({ late: true } as Result);
    await flush();
    expect(sent).toHaveLength(0);
  });

  it("a signal first read after cancellation is already aborted, and notify is dropped", async () => {
    let extra: IncomingRequestExtra | undefined;
    let release: ((result: Result) => void) | undefined;
    const { peer, sent } = server((_request, given) => {
      extra = given;
      return new Promise<Result>((resolve) => (release = resolve));
    });
    peer.receive({ jsonrpc: "2.0", id: 1, method: "slow" });
    peer.receive({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId: 1, reason: "stop" },
    });
    expect(extra?.signal.aborted).toBe(true);
    expect(extra?.signal).toBe(extra?.signal);
    extra?.notify("notifications/progress", { progressToken: 1, progress: 1 });
    release?.({});
    await flush();
    expect(sent).toHaveLength(0);
  });

  it("a signal read before completion stays the same object and is not aborted by a normal answer", async () => {
    const signals: AbortSignal[] = [];
    const { peer, sent } = server(async (_request, extra) => {
      signals.push(extra.signal, extra.signal);
      return { ok: true } as Result;
    });
    peer.receive({ jsonrpc: "2.0", id: 2, method: "fast" });
    await flush();
    expect(signals[0]).toBe(signals[1]);
    expect(signals[0]?.aborted).toBe(false);
    expect(sent).toEqual([{ jsonrpc: "2.0", id: 2, result: { ok: true } }]);
  });

  it("ctx.signal still aborts a tool when the client cancels, over the full stack", async () => {
    const mcp = new FastMCP("lazy-signal");
    let aborted = false;
    mcp.tool("wait", (_args, ctx) => {
      return new Promise<string>((resolve) => {
        ctx.signal.addEventListener("abort", () => {
          aborted = true;
          resolve("stopped");
        });
      });
    });
    const client = new Client(new FastMCPTransport(mcp));
    await client.connect();
    const controller = new AbortController();
    const call = client.callTool("wait", {}, { signal: controller.signal }).catch((error: unknown) => error);
    await flush();
    controller.abort("stop");
    expect(await call).toBeInstanceOf(Error);
    await flush();
    expect(aborted).toBe(true);
    await client.close();
  });
});
