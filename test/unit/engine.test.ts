import { spawn } from "node:child_process";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConnectionError, McpError, TimeoutError } from "../../src/errors.js";
import { type IncomingRequestExtra, RpcPeer, type RpcPeerOptions } from "../../src/protocol/engine.js";
import type {
  JSONRPCMessage,
  JSONRPCNotification,
  JSONRPCRequest,
  Result,
} from "../../src/protocol/types.js";
import { ROOT } from "../helpers/paths.js";

type Side = Omit<RpcPeerOptions, "send"> & {
  /** Wraps delivery: call `forward` to hand the message to the other peer. */
  send?: (message: JSONRPCMessage, forward: () => void) => void | Promise<void>;
};

/** Lets queued deliveries and promise callbacks run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Two peers wired together in memory; each message is delivered on a later microtask. */
function pair(aSide: Side = {}, bSide: Side = {}) {
  const sentByA: JSONRPCMessage[] = [];
  const sentByB: JSONRPCMessage[] = [];
  const make = (side: Side, log: JSONRPCMessage[], other: () => RpcPeer) => {
    const { send, ...rest } = side;
    return new RpcPeer({
      ...rest,
      send(message) {
        log.push(message);
        const forward = () => {
          void Promise.resolve().then(() => other().receive(message));
        };
        if (send) return send(message, forward);
        forward();
      },
    });
  };
  const a: RpcPeer = make(aSide, sentByA, () => b);
  const b: RpcPeer = make(bSide, sentByB, () => a);
  return { a, b, sentByA, sentByB };
}

function responsesIn(log: JSONRPCMessage[]): JSONRPCMessage[] {
  return log.filter((message) => !("method" in message));
}

function cancellationsIn(log: JSONRPCMessage[]): JSONRPCNotification[] {
  return log.filter(
    (message): message is JSONRPCNotification =>
      "method" in message && !("id" in message) && message.method === "notifications/cancelled",
  );
}

/** A handler that never answers until its signal aborts; records the signal it got. */
function hangingHandler() {
  const signals: AbortSignal[] = [];
  let release: ((result: Result) => void) | undefined;
  const onRequest = (_request: JSONRPCRequest, extra: IncomingRequestExtra) => {
    signals.push(extra.signal);
    return new Promise<Result>((resolve) => {
      release = resolve;
    });
  };
  return { onRequest, signals, release: (result: Result) => release?.(result) };
}

function progressTokenOf(request: JSONRPCRequest): unknown {
  return (request.params?._meta as { progressToken?: unknown } | undefined)?.progressToken;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("RpcPeer request/response", () => {
  it("sends a request and resolves with the other side's result", async () => {
    const seen: JSONRPCRequest[] = [];
    const { a } = pair(
      {},
      {
        onRequest: (request) => {
          seen.push(request);
          return { echo: request.params?.value } as Result;
        },
      },
    );
    await expect(a.request("test/echo", { value: 42 })).resolves.toEqual({ echo: 42 });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ jsonrpc: "2.0", method: "test/echo", params: { value: 42 } });
    expect(a.pendingCount).toBe(0);
  });

  it("gives each request its own id and matches answers out of order", async () => {
    const { a, sentByA } = pair(
      {},
      {
        onRequest: async (request) => {
          const delay = request.params?.delay as number;
          for (let i = 0; i < delay; i++) await Promise.resolve();
          return { n: request.params?.n } as Result;
        },
      },
    );
    const results = await Promise.all([
      a.request("slow", { n: 1, delay: 10 }),
      a.request("fast", { n: 2, delay: 0 }),
    ]);
    expect(results).toEqual([{ n: 1 }, { n: 2 }]);
    const ids = sentByA.map((message) => (message as JSONRPCRequest).id);
    expect(new Set(ids).size).toBe(2);
  });

  it("omits params when none are given", async () => {
    const { a, sentByA } = pair({}, { onRequest: () => ({}) });
    await a.request("ping");
    expect(sentByA[0]).toEqual({ jsonrpc: "2.0", id: expect.anything(), method: "ping" });
    expect("params" in (sentByA[0] as object)).toBe(false);
  });

  it("turns an error response into an McpError with code and data", async () => {
    const { a } = pair(
      {},
      {
        onRequest: () => {
          throw new McpError(-32021, "Client lacks sampling", { required: ["sampling"] });
        },
      },
    );
    const error = await a.request("tools/call").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(McpError);
    expect(error).toMatchObject({
      code: -32021,
      message: "Client lacks sampling",
      data: { required: ["sampling"] },
    });
  });

  it("answers an unexpected async handler failure with -32603 carrying its message", async () => {
    const { a } = pair({}, { onRequest: async () => Promise.reject(new Error("db down")) });
    await expect(a.request("x")).rejects.toMatchObject({ code: -32603, message: "Internal error: db down" });
  });

  it("masks unexpected failure details with maskInternalErrors", async () => {
    const { a } = pair(
      {},
      {
        maskInternalErrors: true,
        onRequest: () => {
          throw new Error("secret");
        },
      },
    );
    const error = (await a.request("x").catch((caught: unknown) => caught)) as McpError;
    expect(error.code).toBe(-32603);
    expect(error.message).toBe("Internal error");
  });

  it("answers -32601 when the peer has no request handler", async () => {
    const { a } = pair();
    await expect(a.request("tools/list")).rejects.toMatchObject({
      code: -32601,
      message: expect.stringContaining("tools/list"),
    });
  });

  it("delivers notifications to onNotification", async () => {
    const got: JSONRPCNotification[] = [];
    const { a } = pair({}, { onNotification: (notification) => got.push(notification) });
    a.notify("notifications/message", { level: "info" });
    a.notify("notifications/initialized");
    await flush();
    expect(got).toEqual([
      { jsonrpc: "2.0", method: "notifications/message", params: { level: "info" } },
      { jsonrpc: "2.0", method: "notifications/initialized" },
    ]);
  });

  it("ignores responses to unknown ids", async () => {
    const { a } = pair();
    expect(() => a.receive({ jsonrpc: "2.0", id: 999, result: {} })).not.toThrow();
    expect(a.pendingCount).toBe(0);
  });

  it("works in both directions on the same pair", async () => {
    const { a, b } = pair(
      { onRequest: () => ({ from: "a" }) as Result },
      { onRequest: () => ({ from: "b" }) as Result },
    );
    await expect(a.request("x")).resolves.toEqual({ from: "b" });
    await expect(b.request("y")).resolves.toEqual({ from: "a" });
  });
});

describe("RpcPeer timeouts", () => {
  it("fails with TimeoutError after the per-request timeout and tells the other side", async () => {
    vi.useFakeTimers();
    const handler = hangingHandler();
    const { a, b, sentByA, sentByB } = pair({}, { onRequest: handler.onRequest });
    const outcome = a.request("slow/op", {}, { timeout: 100 }).catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(99);
    expect(a.pendingCount).toBe(1);
    expect(cancellationsIn(sentByA)).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).timeout).toBe(100);
    expect((error as Error).message).toContain("slow/op");
    const requestId = (sentByA[0] as JSONRPCRequest).id;
    const cancelled = cancellationsIn(sentByA);
    expect(cancelled).toHaveLength(1);
    expect(cancelled[0]?.params).toMatchObject({ requestId });
    await vi.advanceTimersByTimeAsync(0);
    // The receiving side aborted its handler and answers nothing, even if the handler finishes later.
    expect(handler.signals[0]?.aborted).toBe(true);
    expect(b.inFlightCount).toBe(0);
    handler.release({});
    await vi.advanceTimersByTimeAsync(0);
    expect(responsesIn(sentByB)).toHaveLength(0);
  });

  it("uses the peer's default timeout and lets a request override it", async () => {
    vi.useFakeTimers();
    const handler = hangingHandler();
    const { a } = pair({ timeout: 50 }, { onRequest: handler.onRequest });
    const byDefault = a.request("x").catch((caught: unknown) => caught);
    const longer = a.request("y", undefined, { timeout: 500 }).catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(50);
    expect(await byDefault).toBeInstanceOf(TimeoutError);
    expect(a.pendingCount).toBe(1);
    await vi.advanceTimersByTimeAsync(450);
    expect(((await longer) as TimeoutError).timeout).toBe(500);
  });

  it("a shorter timeout started after a longer one still fails on time", async () => {
    vi.useFakeTimers();
    const handler = hangingHandler();
    const { a } = pair({}, { onRequest: handler.onRequest });
    const longer = a.request("long", undefined, { timeout: 500 }).catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(10);
    const shorter = a.request("short", undefined, { timeout: 100 }).catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(99);
    expect(a.pendingCount).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(((await shorter) as TimeoutError).message).toContain("short");
    expect(a.pendingCount).toBe(1);
    await vi.advanceTimersByTimeAsync(389);
    expect(a.pendingCount).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(((await longer) as TimeoutError).message).toContain("long");
  });

  it("many requests sharing one timeout fail one by one, each on time, past one without a timeout", async () => {
    vi.useFakeTimers();
    const handler = hangingHandler();
    const { a } = pair({}, { onRequest: handler.onRequest });
    const failed: string[] = [];
    const watch = (request: Promise<unknown>, name: string) =>
      request.catch((caught: unknown) => {
        expect(caught).toBeInstanceOf(TimeoutError);
        failed.push(name);
      });
    // The first pending request has no timeout: the timer must look past it.
    void watch(a.request("untimed", undefined, { timeout: 0 }), "untimed");
    for (let i = 0; i < 300; i++) {
      void watch(a.request(`r${i}`, undefined, { timeout: 100 }), `r${i}`);
      await vi.advanceTimersByTimeAsync(1);
    }
    // r0 started at 0 ms and is due at 100; r(i) is due at 100 + i. It is now 300 ms.
    expect(failed).toEqual(Array.from({ length: 201 }, (_, i) => `r${i}`));
    for (let i = 201; i < 300; i++) {
      await vi.advanceTimersByTimeAsync(1);
      expect(failed.at(-1)).toBe(`r${i}`);
    }
    expect(failed).toHaveLength(300);
    expect(a.pendingCount).toBe(1);
  });

  it("a request re-armed by progress does not hide a later request's earlier timeout", async () => {
    vi.useFakeTimers();
    let extraOf: IncomingRequestExtra | undefined;
    let token: unknown;
    const { a } = pair(
      {},
      {
        onRequest: (request, extra) => {
          if (progressTokenOf(request) !== undefined) {
            extraOf = extra;
            token = progressTokenOf(request);
          }
          return new Promise<Result>(() => {});
        },
      },
    );
    const first = a
      .request("first", {}, { timeout: 100, resetTimeoutOnProgress: true, onProgress: () => {} })
      .catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(10);
    const second = a.request("second", {}, { timeout: 100 }).catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(70);
    // At 80 ms, progress moves the first request's timeout to 180 ms; the second is still due at 110.
    extraOf?.notify("notifications/progress", { progressToken: token, progress: 1 });
    await vi.advanceTimersByTimeAsync(29);
    expect(a.pendingCount).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(a.pendingCount).toBe(1);
    expect(((await second) as TimeoutError).message).toContain("second");
    await vi.advanceTimersByTimeAsync(70);
    expect(((await first) as TimeoutError).message).toContain("first");
  });

  it("a request answered before its timeout leaves the next one its own full timeout", async () => {
    vi.useFakeTimers();
    const handler = hangingHandler();
    const { a } = pair({}, { onRequest: handler.onRequest });
    const first = a.request("first", undefined, { timeout: 100 });
    await vi.advanceTimersByTimeAsync(60);
    handler.release({ done: true } as Result);
    await expect(first).resolves.toEqual({ done: true });
    const second = a.request("second", undefined, { timeout: 100 }).catch((caught: unknown) => caught);
    // The timer armed for the first request fires at 100 ms: the second is not due until 160.
    await vi.advanceTimersByTimeAsync(99);
    expect(a.pendingCount).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(((await second) as TimeoutError).message).toContain("second");
  });

  it("a pending request with a timeout keeps the process alive until it times out, and no longer", async () => {
    const run = (mode: string, ms: number) =>
      new Promise<{ output: string; code: number | null; took: number }>((resolve, reject) => {
        const started = performance.now();
        const child = spawn(
          process.execPath,
          ["--import", "tsx", "test/fixtures/pending-timeout.ts", mode, String(ms)],
          { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
        );
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => {
          output += chunk.toString("utf8");
        });
        child.once("error", reject);
        child.once("close", (code) => resolve({ output, code, took: performance.now() - started }));
      });
    // Nothing else holds the event loop open: the timeout's timer must.
    const hung = await run("hang", 300);
    expect(hung.code).toBe(0);
    expect(hung.output).toMatch(/^timed out after \d+ ms\n$/);
    expect(Number(/(\d+) ms/.exec(hung.output)?.[1])).toBeGreaterThanOrEqual(299);
    // Answered at once, a request with a 60 s timeout does not keep the process for 60 s.
    const answered = await run("answer", 60_000);
    expect(answered.code).toBe(0);
    expect(answered.output).toBe("answered\n");
    expect(answered.took).toBeLessThan(30_000);
  }, 60_000);

  it("never times out with timeout 0", async () => {
    vi.useFakeTimers();
    const handler = hangingHandler();
    const { a } = pair({ timeout: 10 }, { onRequest: handler.onRequest });
    const outcome = a.request("x", undefined, { timeout: 0 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(a.pendingCount).toBe(1);
    handler.release({ done: true } as Result);
    await expect(outcome).resolves.toEqual({ done: true });
  });
});

describe("RpcPeer cancellation", () => {
  it("an aborted signal rejects the request, sends notifications/cancelled and aborts the handler", async () => {
    const handler = hangingHandler();
    const { a, b, sentByA, sentByB } = pair({}, { onRequest: handler.onRequest });
    const controller = new AbortController();
    const outcome = a.request("long", {}, { signal: controller.signal }).catch((caught: unknown) => caught);
    await flush();
    expect(b.inFlightCount).toBe(1);
    expect(handler.signals[0]?.aborted).toBe(false);

    controller.abort("user pressed stop");
    const error = (await outcome) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("AbortError");
    expect(error.message).toBe("user pressed stop");
    const cancelled = cancellationsIn(sentByA);
    expect(cancelled).toHaveLength(1);
    expect(cancelled[0]?.params).toEqual({
      requestId: (sentByA[0] as JSONRPCRequest).id,
      reason: "user pressed stop",
    });
    await flush();
    expect(handler.signals[0]?.aborted).toBe(true);
    expect(b.inFlightCount).toBe(0);
    handler.release({});
    await flush();
    expect(responsesIn(sentByB)).toHaveLength(0);
    expect(a.pendingCount).toBe(0);
  });

  it("rejects with the abort reason when it is an Error", async () => {
    const handler = hangingHandler();
    const { a } = pair({}, { onRequest: handler.onRequest });
    const controller = new AbortController();
    const reason = new Error("custom reason");
    const outcome = a.request("long", {}, { signal: controller.signal });
    controller.abort(reason);
    await expect(outcome).rejects.toBe(reason);
  });

  it("does not send a request whose signal is already aborted", async () => {
    const { a, sentByA } = pair({}, { onRequest: () => ({}) });
    await expect(a.request("x", {}, { signal: AbortSignal.abort("early") })).rejects.toThrow("early");
    expect(sentByA).toHaveLength(0);
  });

  it("cancels in the other direction too (b -> a)", async () => {
    const handler = hangingHandler();
    const { b, sentByA, sentByB } = pair({ onRequest: handler.onRequest }, {});
    const controller = new AbortController();
    const outcome = b.request("sampling/createMessage", {}, { signal: controller.signal });
    await flush();
    controller.abort();
    await expect(outcome).rejects.toThrow();
    expect(cancellationsIn(sentByB)).toHaveLength(1);
    await flush();
    expect(handler.signals[0]?.aborted).toBe(true);
    handler.release({});
    await flush();
    expect(responsesIn(sentByA)).toHaveLength(0);
  });

  it("aborting after the answer arrived changes nothing", async () => {
    const { a, sentByA } = pair({}, { onRequest: () => ({ ok: true }) as Result });
    const controller = new AbortController();
    await expect(a.request("x", {}, { signal: controller.signal })).resolves.toEqual({ ok: true });
    controller.abort();
    expect(cancellationsIn(sentByA)).toHaveLength(0);
  });

  it("a cancellation for an unknown request does not throw and is passed on", async () => {
    const got: JSONRPCNotification[] = [];
    const { a } = pair({}, { onNotification: (n) => got.push(n) });
    a.notify("notifications/cancelled", { requestId: 12345 });
    await flush();
    expect(got.map((n) => n.method)).toEqual(["notifications/cancelled"]);
  });

  it("a handler's notify stops once its request is cancelled", async () => {
    const got: JSONRPCNotification[] = [];
    let notify: IncomingRequestExtra["notify"] | undefined;
    const { a } = pair(
      { onNotification: (n) => got.push(n) },
      {
        onRequest: (_request, extra) => {
          notify = extra.notify;
          return new Promise<Result>(() => {});
        },
      },
    );
    const controller = new AbortController();
    a.request("x", {}, { signal: controller.signal }).catch(() => {});
    await flush();
    notify?.("notifications/message", { n: 1 });
    await flush();
    controller.abort();
    await flush();
    notify?.("notifications/message", { n: 2 });
    await flush();
    expect(got.map((n) => n.params)).toEqual([{ n: 1 }]);
  });
});

describe("RpcPeer progress", () => {
  function progressHandler(steps: number[], total: number) {
    return async (request: JSONRPCRequest, extra: IncomingRequestExtra) => {
      const token = progressTokenOf(request);
      for (const step of steps) {
        extra.notify("notifications/progress", {
          progressToken: token,
          progress: step,
          total,
          message: `step ${step}`,
        });
        await Promise.resolve();
      }
      return { done: true } as Result;
    };
  }

  it("adds a progress token to _meta and routes progress to onProgress", async () => {
    const calls: unknown[][] = [];
    const others: JSONRPCNotification[] = [];
    const { a, sentByA } = pair(
      { onNotification: (n) => others.push(n) },
      { onRequest: progressHandler([1, 2, 3], 3) },
    );
    const result = await a.request(
      "tools/call",
      { name: "t", _meta: { keep: "me" } },
      { onProgress: (...args) => calls.push(args) },
    );
    await flush();
    expect(result).toEqual({ done: true });
    const sent = sentByA[0] as JSONRPCRequest;
    expect(sent.params?._meta).toEqual({ keep: "me", progressToken: expect.anything() });
    expect(sent.params?.name).toBe("t");
    expect(calls).toEqual([
      [1, 3, "step 1"],
      [2, 3, "step 2"],
      [3, 3, "step 3"],
    ]);
    // Routed progress does not also reach the generic notification handler.
    expect(others).toHaveLength(0);
  });

  it("sends no progress token without onProgress", async () => {
    const { a, sentByA } = pair({}, { onRequest: () => ({}) });
    await a.request("x", { y: 1 });
    expect((sentByA[0] as JSONRPCRequest).params).toEqual({ y: 1 });
  });

  it("progress for an unknown token goes to onNotification", async () => {
    const others: JSONRPCNotification[] = [];
    const { b } = pair({ onNotification: (n) => others.push(n) }, {});
    b.notify("notifications/progress", { progressToken: "nobody", progress: 1 });
    await flush();
    expect(others).toHaveLength(1);
  });

  it("a throwing onProgress does not break the request", async () => {
    const { a } = pair({}, { onRequest: progressHandler([1], 1) });
    await expect(
      a.request(
        "x",
        {},
        {
          onProgress: () => {
            throw new Error("bad callback");
          },
        },
      ),
    ).resolves.toEqual({ done: true });
  });

  it("resetTimeoutOnProgress keeps a request alive while progress arrives", async () => {
    vi.useFakeTimers();
    let extraOf: IncomingRequestExtra | undefined;
    let token: unknown;
    let finish: ((result: Result) => void) | undefined;
    const { a } = pair(
      {},
      {
        onRequest: (request, extra) => {
          extraOf = extra;
          token = progressTokenOf(request);
          return new Promise<Result>((resolve) => {
            finish = resolve;
          });
        },
      },
    );
    const progress: number[] = [];
    const outcome = a.request(
      "x",
      {},
      {
        timeout: 100,
        resetTimeoutOnProgress: true,
        onProgress: (value) => progress.push(value),
      },
    );
    for (let step = 1; step <= 3; step++) {
      await vi.advanceTimersByTimeAsync(80);
      extraOf?.notify("notifications/progress", { progressToken: token, progress: step });
    }
    await vi.advanceTimersByTimeAsync(80);
    // 320 ms have passed, more than the timeout, but never 100 ms without progress.
    expect(a.pendingCount).toBe(1);
    finish?.({ ok: true } as Result);
    await expect(outcome).resolves.toEqual({ ok: true });
    expect(progress).toEqual([1, 2, 3]);
  });

  it("without resetTimeoutOnProgress, progress does not extend the timeout", async () => {
    vi.useFakeTimers();
    let extraOf: IncomingRequestExtra | undefined;
    let token: unknown;
    const { a } = pair(
      {},
      {
        onRequest: (request, extra) => {
          extraOf = extra;
          token = progressTokenOf(request);
          return new Promise<Result>(() => {});
        },
      },
    );
    const outcome = a
      .request("x", {}, { timeout: 100, onProgress: () => {} })
      .catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(80);
    extraOf?.notify("notifications/progress", { progressToken: token, progress: 1 });
    await vi.advanceTimersByTimeAsync(20);
    expect(await outcome).toBeInstanceOf(TimeoutError);
  });

  it("maxTotalTimeout caps how far progress can push the deadline", async () => {
    vi.useFakeTimers();
    let extraOf: IncomingRequestExtra | undefined;
    let token: unknown;
    const { a } = pair(
      {},
      {
        onRequest: (request, extra) => {
          extraOf = extra;
          token = progressTokenOf(request);
          return new Promise<Result>(() => {});
        },
      },
    );
    let settled = false;
    const outcome = a
      .request(
        "x",
        {},
        { timeout: 100, resetTimeoutOnProgress: true, maxTotalTimeout: 150, onProgress: () => {} },
      )
      .catch((caught: unknown) => caught)
      .finally(() => {
        settled = true;
      });
    await vi.advanceTimersByTimeAsync(80);
    extraOf?.notify("notifications/progress", { progressToken: token, progress: 1 });
    await vi.advanceTimersByTimeAsync(60);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(10);
    expect(await outcome).toBeInstanceOf(TimeoutError);
  });
});

describe("RpcPeer close", () => {
  it("rejects every pending request with ConnectionError and aborts incoming handlers", async () => {
    const handler = hangingHandler();
    const { a, b } = pair(
      { onRequest: handler.onRequest },
      { onRequest: () => new Promise<Result>(() => {}) },
    );
    const first = a.request("one").catch((caught: unknown) => caught);
    const second = a.request("two").catch((caught: unknown) => caught);
    b.request("incoming").catch(() => {});
    await flush();
    expect(a.pendingCount).toBe(2);
    expect(a.inFlightCount).toBe(1);

    a.close();
    const errors = await Promise.all([first, second]);
    for (const error of errors) expect(error).toBeInstanceOf(ConnectionError);
    expect(a.pendingCount).toBe(0);
    expect(a.inFlightCount).toBe(0);
    expect(a.closed).toBe(true);
    expect(handler.signals[0]?.aborted).toBe(true);
    expect(handler.signals[0]?.reason).toBeInstanceOf(ConnectionError);
  });

  it("rejects with the error it was closed with, and rejects later requests", async () => {
    const { a, sentByA } = pair({}, { onRequest: () => new Promise<Result>(() => {}) });
    const pending = a.request("x").catch((caught: unknown) => caught);
    await flush();
    const reason = new ConnectionError("subprocess exited with code 1");
    a.close(reason);
    expect(await pending).toBe(reason);
    await expect(a.request("y")).rejects.toBe(reason);
    const count = sentByA.length;
    a.notify("notifications/x");
    expect(sentByA).toHaveLength(count);
  });

  it("is idempotent and clears timers", async () => {
    vi.useFakeTimers();
    const { a, sentByA } = pair({}, { onRequest: () => new Promise<Result>(() => {}) });
    const pending = a.request("x", {}, { timeout: 100 }).catch((caught: unknown) => caught);
    a.close();
    a.close(new Error("second"));
    expect(await pending).toBeInstanceOf(ConnectionError);
    await vi.advanceTimersByTimeAsync(1000);
    expect(cancellationsIn(sentByA)).toHaveLength(0);
  });

  it("does not answer incoming requests that finish after close", async () => {
    const handler = hangingHandler();
    const { a, b, sentByB } = pair({}, { onRequest: handler.onRequest });
    a.request("x").catch(() => {});
    await flush();
    b.close();
    handler.release({});
    await flush();
    expect(responsesIn(sentByB)).toHaveLength(0);
  });
});

describe("RpcPeer send failures", () => {
  it("a throwing send fails only the request being sent", async () => {
    const { a } = pair(
      {
        send: (message, forward) => {
          if ("method" in message && message.method === "broken") throw new Error("EPIPE");
          forward();
        },
      },
      { onRequest: () => ({ ok: true }) as Result },
    );
    const broken = a.request("broken").catch((caught: unknown) => caught);
    const fine = a.request("fine");
    const error = (await broken) as ConnectionError;
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toContain("broken");
    expect(error.message).toContain("EPIPE");
    expect((error.cause as Error).message).toBe("EPIPE");
    await expect(fine).resolves.toEqual({ ok: true });
    expect(a.closed).toBe(false);
    expect(a.pendingCount).toBe(0);
  });

  it("a rejecting send fails only the request being sent", async () => {
    const { a } = pair(
      {
        send: async (message, forward) => {
          if ("method" in message && message.method === "broken") throw new Error("socket closed");
          forward();
        },
      },
      { onRequest: () => ({ ok: true }) as Result },
    );
    const [broken, fine] = await Promise.allSettled([a.request("broken"), a.request("fine")]);
    expect(broken.status).toBe("rejected");
    expect((broken as PromiseRejectedResult).reason).toBeInstanceOf(ConnectionError);
    expect(fine).toEqual({ status: "fulfilled", value: { ok: true } });
  });

  it("keeps McpError and ConnectionError thrown by send as they are", async () => {
    const mcp = new McpError(-32020, "header mismatch");
    const { a } = pair({
      send: () => {
        throw mcp;
      },
    });
    await expect(a.request("x")).rejects.toBe(mcp);
  });

  it("a failing notification send does not throw", () => {
    const { a } = pair({
      send: () => {
        throw new Error("gone");
      },
    });
    expect(() => a.notify("notifications/x")).not.toThrow();
  });
});

describe("RpcPeer idle", () => {
  it("resolves at once when nothing is being handled", async () => {
    const { a } = pair();
    await expect(a.idle()).resolves.toBeUndefined();
  });

  it("waits for incoming handlers to finish", async () => {
    const handler = hangingHandler();
    const { a, b } = pair({}, { onRequest: handler.onRequest });
    const answered = a.request("x");
    await flush();
    expect(b.inFlightCount).toBe(1);
    let idle = false;
    void b.idle().then(() => {
      idle = true;
    });
    await flush();
    expect(idle).toBe(false);
    handler.release({ ok: true } as Result);
    await flush();
    expect(idle).toBe(true);
    await expect(answered).resolves.toEqual({ ok: true });
  });

  it("resolves when the handler is cancelled or the peer closes", async () => {
    const handler = hangingHandler();
    const { a, b } = pair({}, { onRequest: handler.onRequest });
    const controller = new AbortController();
    a.request("x", {}, { signal: controller.signal }).catch(() => {});
    a.request("y").catch(() => {});
    await flush();
    expect(b.inFlightCount).toBe(2);
    let idle = false;
    void b.idle().then(() => {
      idle = true;
    });
    controller.abort();
    await flush();
    expect(b.inFlightCount).toBe(1);
    expect(idle).toBe(false);
    b.close();
    await flush();
    expect(idle).toBe(true);
  });

  it("keeps count and cancels the right handler with several in flight and ids reused", async () => {
    // Raw requests on one peer: ids chosen by the test, answers collected from `send`.
    const answers: JSONRPCMessage[] = [];
    const handlers = new Map<string, { signal: AbortSignal; release: (result: Result) => void }>();
    let n = 0;
    const peer = new RpcPeer({
      send: (message) => {
        answers.push(message);
      },
      onRequest: (_request, extra) =>
        new Promise<Result>((release) => {
          handlers.set(`h${++n}`, { signal: extra.signal, release });
        }),
    });
    const request = (id: number) => peer.receive({ jsonrpc: "2.0", id, method: "x" });
    const cancel = (requestId: number) =>
      peer.receive({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId } });
    request(1);
    request(2);
    request(3);
    expect(peer.inFlightCount).toBe(3);
    cancel(2);
    expect(handlers.get("h2")?.signal.aborted).toBe(true);
    expect(handlers.get("h1")?.signal.aborted).toBe(false);
    expect(handlers.get("h3")?.signal.aborted).toBe(false);
    expect(peer.inFlightCount).toBe(2);
    handlers.get("h1")?.release({ one: true } as Result);
    await flush();
    expect(peer.inFlightCount).toBe(1);
    // Id 3 is still in flight: a request reusing it replaces it, as it always has, and the count
    // never drifts (idle() must still resolve once both have finished).
    request(3);
    request(4);
    expect(peer.inFlightCount).toBe(2);
    cancel(4);
    expect(handlers.get("h5")?.signal.aborted).toBe(true);
    expect(peer.inFlightCount).toBe(1);
    let idle = false;
    void peer.idle().then(() => {
      idle = true;
    });
    handlers.get("h3")?.release({ three: "first" } as Result);
    handlers.get("h4")?.release({ three: "second" } as Result);
    await flush();
    expect(peer.inFlightCount).toBe(0);
    expect(idle).toBe(true);
    expect(answers.map((message) => (message as { id?: unknown }).id)).toEqual([1, 3, 3]);
  });

  it("counts a synchronously failing handler as finished", async () => {
    const { a, b } = pair(
      {},
      {
        onRequest: () => {
          throw new McpError(-32602, "bad");
        },
      },
    );
    await expect(a.request("x")).rejects.toMatchObject({ code: -32602 });
    expect(b.inFlightCount).toBe(0);
    await expect(b.idle()).resolves.toBeUndefined();
  });
});
