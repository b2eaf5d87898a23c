/**
 * The tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663) end to end, through the
 * in-memory transport and Streamable HTTP: task tools answered with a task handle, polling,
 * input requests answered with tasks/update, cancellation, failures, expiry, the cap on stored
 * tasks, status notifications, and what clients that do not take tasks get instead.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  Client,
  type ClientOptions,
  type DetailedTask,
  ErrorCode,
  FastMCP,
  type FastMCPOptions,
  type ListeningServer,
  McpError,
  type Result,
  StaticTokenVerifier,
  TASKS_EXTENSION,
  ToolError,
} from "../../src/index.js";
import type { JSONRPCMessage } from "../../src/protocol/types.js";
import { ClientTransport } from "../../src/transports/base.js";
import { deferred, within } from "../helpers/wait.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const clients: Client[] = [];
const servers: ListeningServer[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

type Open = (mcp: FastMCP, options?: ClientOptions) => Promise<Client>;

async function connected(client: Client): Promise<Client> {
  clients.push(client);
  await client.connect();
  return client;
}

const TRANSPORTS: [string, Open][] = [
  ["in memory", (mcp, options) => connected(new Client(mcp, options))],
  [
    "Streamable HTTP",
    async (mcp, options) => {
      const listening = await mcp.listen({ port: 0 });
      servers.push(listening);
      return connected(new Client(listening.url, options));
    },
  ],
];

/** A server whose tasks suggest a short polling interval, so tests poll fast. */
function server(options: Partial<FastMCPOptions> = {}): FastMCP {
  return new FastMCP({ name: "tasks", ...options, tasks: { pollIntervalMs: 10, ...options.tasks } });
}

/** `tools/call` as sent on the wire, answered by the raw result (a task handle, for task tools). */
function rawCall(client: Client, name: string, args: Record<string, unknown> = {}): Promise<Result> {
  return client.request("tools/call", { name, arguments: args });
}

async function rejection(promise: Promise<unknown>): Promise<McpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpError);
  return error as McpError;
}

/** Polls the task until it has `status` (an upper bound of 5 s, for a busy machine). */
async function waitForStatus(client: Client, taskId: string, status: string): Promise<DetailedTask> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const task = await client.getTask(taskId);
    if (task.status === status) return task;
    if (Date.now() > deadline) throw new Error(`task ${taskId} never reached ${status}`);
    await sleep(5);
  }
}

describe.each(TRANSPORTS)("tasks over %s", (_name, open) => {
  it("answers a task tool with a task handle, then completes it by polling", async () => {
    const mcp = server();
    const release = deferred();
    mcp.tool(
      "render",
      { description: "Renders frames", inputSchema: z.object({ frames: z.number() }), task: true },
      async ({ frames }, ctx) => {
        ctx.reportProgress(0, frames, "queued");
        await release.promise;
        return { frames, taskId: ctx.taskId ?? null };
      },
    );
    const client = await open(mcp);

    const created = await rawCall(client, "render", { frames: 3 });
    expect(created).toMatchObject({
      resultType: "task",
      status: "working",
      ttlMs: 3_600_000,
      pollIntervalMs: 10,
    });
    const taskId = created.taskId as string;
    expect(taskId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(created.createdAt as string)).not.toBeNaN();
    for (const field of ["result", "error", "inputRequests", "requestState", "content"])
      expect(created).not.toHaveProperty(field);

    const working = await client.getTask(taskId);
    expect(working).toMatchObject({ taskId, status: "working", statusMessage: "queued" });
    expect(working).not.toHaveProperty("result");

    release.resolve();
    const done = await within(client.waitForTask(taskId), 5000, "the task to complete");
    expect(done.status).toBe("completed");
    expect(done.result).toMatchObject({ structuredContent: { frames: 3, taskId } });
    // The task stays readable after it finished, with the same result.
    expect((await client.getTask(taskId)).result).toEqual(done.result);
  });

  it("lets callTool wait for the task and return the final result", async () => {
    const mcp = server();
    // The handler moves on when the caller has seen each state (not after fixed delays, which a
    // busy machine may outlast between two polls).
    const sawWorking = deferred();
    const sawProgress = deferred();
    mcp.tool(
      "render",
      { inputSchema: z.object({ frames: z.number() }), task: true },
      async ({ frames }, ctx) => {
        await sawWorking.promise;
        ctx.reportProgress(frames, frames);
        await sawProgress.promise;
        return `rendered ${frames} frames in task ${ctx.taskId}`;
      },
    );
    const client = await open(mcp);
    const seen: DetailedTask[] = [];
    const result = await client.callTool(
      "render",
      { frames: 2 },
      {
        onTaskStatus: (task) => {
          seen.push(task);
          if (task.status === "working") sawWorking.resolve();
          if (task.statusMessage === "2/2") sawProgress.resolve();
        },
      },
    );
    const taskId = seen[0]?.taskId;
    expect(result.text).toBe(`rendered 2 frames in task ${taskId}`);
    expect(seen[0]?.status).toBe("working");
    expect(seen.at(-1)?.status).toBe("completed");
    expect(seen.map((task) => task.statusMessage)).toContain("2/2");
  });

  it("cancels a task: the handler's signal aborts and the task ends cancelled", async () => {
    const mcp = server();
    const aborted = deferred<unknown>();
    mcp.tool("wait", { task: true }, (_args, ctx) => {
      return new Promise((_resolve, reject) => {
        ctx.signal.addEventListener("abort", () => {
          aborted.resolve(ctx.signal.reason);
          reject(ctx.signal.reason);
        });
      });
    });
    const client = await open(mcp);
    const created = await rawCall(client, "wait");
    const taskId = created.taskId as string;
    await client.cancelTask(taskId);
    const reason = await within(aborted.promise, 5000, "the handler's signal to abort");
    expect((reason as Error).name).toBe("AbortError");
    const task = await client.getTask(taskId);
    expect(task.status).toBe("cancelled");
    expect(task).not.toHaveProperty("result");
    // Cancelling a finished task is acknowledged all the same.
    await expect(client.cancelTask(taskId)).resolves.toBeUndefined();
  });

  it("cancels the task when the caller of callTool gives up", async () => {
    const mcp = server();
    const aborted = deferred();
    mcp.tool("wait", { task: true }, (_args, ctx) => {
      return new Promise((_resolve, reject) => {
        ctx.signal.addEventListener("abort", () => {
          aborted.resolve();
          reject(ctx.signal.reason);
        });
      });
    });
    const client = await open(mcp);
    const controller = new AbortController();
    let taskId: string | undefined;
    const call = client.callTool(
      "wait",
      {},
      {
        signal: controller.signal,
        onTaskStatus: (task) => {
          taskId = task.taskId;
          controller.abort(new Error("user gave up"));
        },
      },
    );
    await expect(call).rejects.toThrow("user gave up");
    await within(aborted.promise, 5000, "the task's handler to be aborted");
    expect((await client.getTask(taskId as string)).status).toBe("cancelled");
  });

  it("reports a JSON-RPC error as a failed task, and a tool error as a completed one", async () => {
    const mcp = server();
    mcp.tool("explode", { task: true }, () => {
      throw new McpError(-32050, "the reactor melted", { core: 7 });
    });
    mcp.tool("refuse", { task: true }, async () => {
      await sleep(10);
      throw new ToolError("not today");
    });
    const client = await open(mcp);

    const exploded = await rawCall(client, "explode");
    const failed = await client.waitForTask(exploded.taskId as string);
    expect(failed).toMatchObject({
      status: "failed",
      statusMessage: "the reactor melted",
      error: { code: -32050, message: "the reactor melted", data: { core: 7 } },
    });
    expect(failed).not.toHaveProperty("result");
    const error = await rejection(client.callTool("explode"));
    expect(error.code).toBe(-32050);
    expect(error.data).toEqual({ core: 7 });

    const refused = await rawCall(client, "refuse");
    const completed = await client.waitForTask(refused.taskId as string);
    expect(completed.status).toBe("completed");
    expect(completed.result).toMatchObject({ isError: true, content: [{ type: "text", text: "not today" }] });
    await expect(client.callTool("refuse")).rejects.toBeInstanceOf(ToolError);
    const soft = await client.callTool("refuse", {}, { raiseOnError: false });
    expect(soft.isError).toBe(true);
    expect(soft.text).toBe("not today");
  });

  it("rejects an unknown task id with -32602 on every task method", async () => {
    const client = await open(server());
    // Each rejection is caught as soon as it comes: the three may settle in any order.
    for (const attempt of [
      rejection(client.getTask("no-such-task")),
      rejection(client.cancelTask("no-such-task")),
      rejection(client.updateTask("no-such-task", {})),
    ]) {
      const error = await attempt;
      expect(error.code).toBe(ErrorCode.InvalidParams);
      expect(error.message).toMatch(/Task not found/);
    }
  });

  it("expires tasks after their time to live, aborting those still running", async () => {
    // Expiry of a stored task is read from the clock: the test moves it (timers stay real), so a
    // busy machine neither expires the task early nor needs a sleep to pass its TTL.
    vi.useFakeTimers({ toFake: ["Date"] });
    const mcp = server({ tasks: { ttlMs: 300 } });
    const aborted = deferred<unknown>();
    mcp.tool("quick", { task: true }, () => "fast");
    mcp.tool("endless", { task: { ttlMs: 80 } }, (_args, ctx) => {
      return new Promise((_resolve, reject) => {
        ctx.signal.addEventListener("abort", () => {
          aborted.resolve(ctx.signal.reason);
          reject(ctx.signal.reason);
        });
      });
    });
    const client = await open(mcp);

    const created = Date.now();
    const quick = await rawCall(client, "quick");
    expect(quick.ttlMs).toBe(300);
    expect((await client.waitForTask(quick.taskId as string)).status).toBe("completed");
    vi.setSystemTime(created + 299);
    expect((await client.getTask(quick.taskId as string)).status).toBe("completed");
    vi.setSystemTime(created + 300);
    const expired = await rejection(client.getTask(quick.taskId as string));
    expect(expired.code).toBe(ErrorCode.InvalidParams);
    expect(expired.message).toMatch(/Task has expired/);
    // Once reported expired, the task is gone.
    expect((await rejection(client.getTask(quick.taskId as string))).message).toMatch(/Task not found/);

    // A running task is aborted by a (real) timer when its TTL is up.
    const endlessCreated = Date.now();
    const endless = await rawCall(client, "endless");
    expect(endless.ttlMs).toBe(80);
    const reason = await within(aborted.promise, 5000, "the expired task's handler to be aborted");
    expect((reason as Error).name).toBe("TimeoutError");
    vi.setSystemTime(endlessCreated + 80);
    expect((await rejection(client.getTask(endless.taskId as string))).message).toMatch(/Task has expired/);
  });

  it("caps the stored tasks: finished tasks make room, running ones do not", async () => {
    const mcp = server({ tasks: { maxTasks: 2 } });
    const gates = [deferred(), deferred(), deferred()];
    mcp.tool("hold", { inputSchema: z.object({ n: z.number() }), task: true }, async ({ n }) => {
      await gates[n]?.promise;
      return `done ${n}`;
    });
    const client = await open(mcp);
    try {
      const first = await rawCall(client, "hold", { n: 0 });
      const second = await rawCall(client, "hold", { n: 1 });
      const full = await rejection(rawCall(client, "hold", { n: 2 }));
      expect(full.code).toBe(ErrorCode.InternalError);
      expect(full.message).toMatch(/Cannot create a task: 2 tasks are already running/);

      gates[0]?.resolve();
      expect((await client.waitForTask(first.taskId as string)).status).toBe("completed");
      const third = await rawCall(client, "hold", { n: 2 });
      expect(third.resultType).toBe("task");
      // The oldest finished task made room; the running one was kept.
      expect((await rejection(client.getTask(first.taskId as string))).message).toMatch(/Task not found/);
      expect((await client.getTask(second.taskId as string)).status).toBe("working");
    } finally {
      for (const gate of gates) gate.resolve();
    }
  });

  it("parks a task in input_required and resumes it with tasks/update, one answer at a time", async () => {
    const mcp = server();
    const name = z.object({ name: z.string() });
    mcp.tool("pair", { task: true }, async (_args, ctx) => {
      const [a, b] = await Promise.all([
        ctx.elicit("First name?", name, { inputKey: "first" }),
        ctx.elicit("Second name?", name),
      ]);
      return `${a.action === "accept" ? a.data.name : "-"}+${b.action === "accept" ? b.data.name : "-"}`;
    });
    const client = await open(mcp, { elicitation: () => ({ action: "decline" }) });

    const created = await rawCall(client, "pair");
    const taskId = created.taskId as string;
    let parked = await waitForStatus(client, taskId, "input_required");
    for (let i = 0; parked && Object.keys(parked.inputRequests ?? {}).length < 2 && i < 100; i++) {
      parked = await client.getTask(taskId);
    }
    const keys = Object.keys(parked.inputRequests ?? {});
    expect(keys).toEqual(["first", "elicitation-1"]);
    expect(parked.inputRequests?.first).toMatchObject({
      method: "elicitation/create",
      params: { mode: "form", message: "First name?" },
    });

    // A malformed answer is refused and the request stays outstanding.
    const malformed = await rejection(client.updateTask(taskId, { first: { nope: true } }));
    expect(malformed.code).toBe(ErrorCode.InvalidParams);
    // Answers to keys that are not outstanding are ignored.
    await client.updateTask(taskId, {
      first: { action: "accept", content: { name: "Ada" } },
      "not-asked": { action: "accept", content: {} },
    });
    const half = await client.getTask(taskId);
    expect(half.status).toBe("input_required");
    expect(Object.keys(half.inputRequests ?? {})).toEqual(["elicitation-1"]);

    await client.updateTask(taskId, { "elicitation-1": { action: "accept", content: { name: "Grace" } } });
    const done = await within(client.waitForTask(taskId), 5000, "the task to complete");
    expect(done.result).toMatchObject({ content: [{ type: "text", text: "Ada+Grace" }] });
  });

  it("answers a task's input requests with the client's handlers inside callTool", async () => {
    const mcp = server();
    mcp.tool(
      "confirm",
      { task: true, inputSchema: z.object({ file: z.string() }) },
      async ({ file }, ctx) => {
        const first = await ctx.elicit(`Delete ${file}?`, z.object({ confirm: z.boolean() }));
        const second = await ctx.elicit(`Really delete ${file}?`, z.object({ confirm: z.boolean() }));
        const yes = (o: typeof first) => o.action === "accept" && o.data.confirm;
        return yes(first) && yes(second) ? `deleted ${file}` : `kept ${file}`;
      },
    );
    const asked: string[] = [];
    const client = await open(mcp, {
      elicitation: async (request) => {
        asked.push(request.message);
        return { action: "accept", data: { confirm: true } };
      },
    });
    const result = await within(client.callTool("confirm", { file: "a.txt" }), 5000, "the task to complete");
    expect(result.text).toBe("deleted a.txt");
    // Each request is presented once, although tasks/get repeats it until it is answered.
    expect(asked).toEqual(["Delete a.txt?", "Really delete a.txt?"]);
  });

  it("runs an optional task tool synchronously for a client that does not take tasks", async () => {
    const mcp = server();
    mcp.tool("render", { task: true }, (_args, ctx) => `task ${ctx.taskId ?? "none"}`);
    mcp.tool("batch", { task: "required" }, () => "never here");
    const client = await open(mcp, { tasks: false });
    expect(client.serverCapabilities?.extensions?.[TASKS_EXTENSION]).toEqual({});

    const plain = await rawCall(client, "render");
    expect(plain.resultType).toBe("complete");
    expect(plain).not.toHaveProperty("taskId");
    expect((await client.callTool("render")).text).toBe("task none");

    const required = await rejection(client.callTool("batch"));
    expect(required.code).toBe(ErrorCode.MissingRequiredClientCapability);
    expect(required.data).toEqual({ requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } });
    const gated = await rejection(client.getTask("anything"));
    expect(gated.code).toBe(ErrorCode.MissingRequiredClientCapability);
  });

  it("lets one call opt out of tasks with { task: false }", async () => {
    const mcp = server();
    mcp.tool("render", { task: true }, (_args, ctx) => `task ${ctx.taskId ?? "none"}`);
    const client = await open(mcp);
    const seen: DetailedTask[] = [];
    expect(
      (await client.callTool("render", {}, { task: false, onTaskStatus: (t) => seen.push(t) })).text,
    ).toBe("task none");
    expect(seen).toEqual([]);
    const tasked = await client.callTool("render", {}, { onTaskStatus: (t) => seen.push(t) });
    expect(tasked.text).toBe(`task ${seen[0]?.taskId}`);
  });

  it("gathers input synchronously, then starts the task from the handler (manualStart)", async () => {
    const mcp = server();
    mcp.tool(
      "deploy",
      { task: { mode: "required", manualStart: true }, inputSchema: z.object({ env: z.string() }) },
      async ({ env }, ctx) => {
        const before = ctx.taskId;
        const ok = await ctx.elicit(`Deploy to ${env}?`, z.object({ confirm: z.boolean() }));
        const started = await ctx.startTask();
        await sleep(20);
        return `${env}: before=${before ?? "none"} started=${started} task=${ctx.taskId === undefined ? "none" : "yes"} ${ok.action}`;
      },
    );
    mcp.tool("maybe", { task: { manualStart: true } }, async (_args, ctx) => {
      const started = await ctx.startTask();
      return `started=${started} task=${ctx.taskId ?? "none"}`;
    });
    let elicited = 0;
    const client = await open(mcp, {
      elicitation: () => {
        elicited++;
        return { action: "accept", data: { confirm: true } };
      },
    });
    const seen: DetailedTask[] = [];
    const result = await client.callTool("deploy", { env: "prod" }, { onTaskStatus: (t) => seen.push(t) });
    expect(result.text).toBe("prod: before=none started=true task=yes accept");
    expect(elicited).toBe(1);
    expect(seen[0]?.status).toBe("working");

    const plain = await open(mcp, { tasks: false });
    expect((await plain.callTool("maybe")).text).toBe("started=false task=none");
    expect((await rejection(plain.callTool("deploy", { env: "prod" }))).code).toBe(
      ErrorCode.MissingRequiredClientCapability,
    );
  });

  it("sends notifications/tasks on a listen stream that names the task", async () => {
    const mcp = server();
    const release = deferred();
    mcp.tool("render", { task: true }, async () => {
      await release.promise;
      return "rendered";
    });
    const client = await open(mcp);
    const created = await rawCall(client, "render");
    const taskId = created.taskId as string;
    await using changes = await client.listen({ taskIds: [taskId, "someone-elses-task"] });
    expect(changes.acknowledged.taskIds).toEqual([taskId]);
    release.resolve();
    const completed = await within(
      (async () => {
        for await (const notification of changes) {
          if (notification.method === "notifications/tasks" && notification.params?.status === "completed")
            return notification.params;
        }
        return undefined;
      })(),
      5000,
      "notifications/tasks for the completed task",
    );
    expect(completed).toMatchObject({
      taskId,
      status: "completed",
      result: { content: [{ text: "rendered" }] },
    });

    const plain = await open(mcp, { tasks: false });
    const refused = await rejection(plain.listen({ taskIds: [taskId] }));
    expect(refused.code).toBe(ErrorCode.MissingRequiredClientCapability);
  });
});

/**
 * A server whose task state lags behind its acknowledgements (the spec allows tasks/update to be
 * eventually consistent): tasks/get repeats an answered input request for two more polls.
 */
class LaggingTaskServer extends ClientTransport {
  readonly updates: unknown[] = [];
  private pollsSinceUpdate = 0;

  describe(): string {
    return "lagging task server";
  }
  protected async open(): Promise<void> {}
  protected async close(): Promise<void> {}
  protected send(message: JSONRPCMessage): void {
    if (!("method" in message) || !("id" in message)) return;
    const result = this.answer(message.method, message.params);
    if (result) queueMicrotask(() => this.receive({ jsonrpc: "2.0", id: message.id, result }));
  }

  private answer(
    method: string,
    params: Record<string, unknown> | undefined,
  ): Record<string, unknown> | undefined {
    const task = {
      taskId: "t-1",
      createdAt: "2026-08-01T00:00:00Z",
      lastUpdatedAt: "2026-08-01T00:00:00Z",
      ttlMs: null,
      pollIntervalMs: 1,
      resultType: "complete",
    };
    if (method === "server/discover") {
      return {
        resultType: "complete",
        supportedVersions: ["2026-07-28"],
        capabilities: { tools: {}, extensions: { [TASKS_EXTENSION]: {} } },
      };
    }
    if (method === "tools/call") return { ...task, resultType: "task", status: "working" };
    if (method === "tasks/update") {
      this.updates.push(params?.inputResponses);
      return { resultType: "complete" };
    }
    if (method !== "tasks/get") return undefined;
    if (this.updates.length === 0 || this.pollsSinceUpdate++ < 2) {
      const requestedSchema = { type: "object", properties: {} };
      return {
        ...task,
        status: "input_required",
        inputRequests: {
          ok: { method: "elicitation/create", params: { mode: "form", message: "OK?", requestedSchema } },
        },
      };
    }
    return { ...task, status: "completed", result: { content: [{ type: "text", text: "answered" }] } };
  }
}

describe("the client against an eventually consistent task server", () => {
  it("presents each input request once, although polls repeat it after the answer", async () => {
    const transport = new LaggingTaskServer();
    let asked = 0;
    const client = await connected(
      new Client(transport, {
        elicitation: () => {
          asked++;
          return { action: "accept", data: {} };
        },
      }),
    );
    const result = await within(client.callTool("anything"), 5000, "the task to complete");
    expect(result.text).toBe("answered");
    expect(asked).toBe(1);
    expect(transport.updates).toEqual([{ ok: { action: "accept", content: {} } }]);
  });
});

describe("tasks in the legacy era", () => {
  it("does not exist: task tools run synchronously, tasks/* are unknown methods", async () => {
    const mcp = server();
    mcp.tool("render", { task: true }, (_args, ctx) => `task ${ctx.taskId ?? "none"}`);
    mcp.tool("batch", { task: "required" }, () => "never here");
    const client = await connected(new Client(mcp, { protocolVersion: "2025-11-25" }));
    expect(client.serverCapabilities).not.toHaveProperty("extensions");
    expect((await client.callTool("render")).text).toBe("task none");
    expect((await rejection(client.callTool("batch"))).code).toBe(ErrorCode.MissingRequiredClientCapability);
    expect((await rejection(client.getTask("anything"))).code).toBe(ErrorCode.MethodNotFound);
  });
});

describe("tasks and authentication", () => {
  it("shows a task only to the principal that created it", async () => {
    const mcp = server({
      auth: new StaticTokenVerifier({ alice: { clientId: "alice" }, bob: { clientId: "bob" } }),
    });
    mcp.tool("secret", { task: true }, () => "alice's result");
    const listening = await mcp.listen({ port: 0 });
    servers.push(listening);
    const alice = await connected(new Client(listening.url, { auth: "alice" }));
    const bob = await connected(new Client(listening.url, { auth: "bob" }));
    const created = await rawCall(alice, "secret");
    const taskId = created.taskId as string;
    expect((await alice.waitForTask(taskId)).status).toBe("completed");
    // Each rejection is caught as soon as it comes: the three may settle in any order.
    for (const attempt of [
      rejection(bob.getTask(taskId)),
      rejection(bob.cancelTask(taskId)),
      rejection(bob.updateTask(taskId, {})),
    ]) {
      expect((await attempt).message).toMatch(/Task not found/);
    }
    expect((await alice.getTask(taskId)).result).toMatchObject({ content: [{ text: "alice's result" }] });
  });
});

describe("task tool registration", () => {
  it("rejects task options that make no sense", () => {
    const mcp = new FastMCP("bad");
    expect(() => mcp.tool("a", { task: { ttlMs: -5 } }, () => "")).toThrow(
      /ttlMs must be a positive integer/,
    );
    expect(() => mcp.tool("b", { task: { pollIntervalMs: 0.5 } }, () => "")).toThrow(/pollIntervalMs/);
    expect(() => mcp.tool("c", { task: "sometimes" as never }, () => "")).toThrow(/task mode/);
    expect(() => new FastMCP({ name: "x", tasks: { maxTasks: 0 } })).toThrow(/maxTasks/);
  });
});
