/**
 * A server instance's part in a scaled-out server: started once when the server gets a shared
 * store, it passes the changes made here on to the other instances and delivers theirs here
 * (list changes, resource updates, task states), forwards what only another instance can act on
 * (cancelling or answering a task it runs), and shares the requestState key. Transports reach it
 * as `server.scaleOut` for legacy sessions and resumable streams.
 */
import type { ServerKernel } from "../server/kernel.js";
import { isListChanged, type SubscriptionHub } from "../server/subscriptions.js";
import { InstanceBus } from "./bus.js";
import { StoreEventLog, type StoreEventLogOptions } from "./event-log.js";
import { SharedTaskStore } from "./shared-task-store.js";
import type { Store } from "./store.js";

/** How long the shared requestState key lives after an instance last started (a year). */
const REQUEST_STATE_KEY_TTL_MS = 365 * 24 * 3600_000;
const REQUEST_STATE_KEY = "request-state-key";

function warnFailed(error: unknown): void {
  console.warn("[fastmcp-ts] a task message from another instance failed:", error);
}

/** The shared requestState key: `offer` written when the store has none, else the one it has. */
async function sharedKey(store: Store, offer: string): Promise<string> {
  await store.set(REQUEST_STATE_KEY, offer, { ttlMs: REQUEST_STATE_KEY_TTL_MS, ifAbsent: true });
  await store.expire(REQUEST_STATE_KEY, REQUEST_STATE_KEY_TTL_MS);
  return (await store.get(REQUEST_STATE_KEY)) ?? offer;
}

function randomKey(): string {
  let hex = "";
  for (const byte of crypto.getRandomValues(new Uint8Array(32))) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

export class ScaleOut {
  readonly store: Store;
  readonly bus: InstanceBus;

  private constructor(store: Store) {
    this.store = store;
    this.bus = new InstanceBus(store);
  }

  /** Resumable streams of legacy sessions, readable from every instance (a log per session). */
  eventLog(options: StoreEventLogOptions): StoreEventLog {
    return new StoreEventLog(this.store, options);
  }

  /** Joins the other instances sharing `store`: resolves once this instance hears them. */
  static async start(store: Store, kernel: ServerKernel): Promise<ScaleOut> {
    const scaleOut = new ScaleOut(store);
    const { bus } = scaleOut;
    // Made when the server started serving, which joining waits for.
    const hub = kernel.hub as SubscriptionHub;
    const tasks = await kernel.tasks();
    // Only the notifications instances send each other reach the clients, whatever the store holds.
    bus.on("list", (message) => {
      if (isListChanged(message.method)) hub.listChanged(message.method, true);
    });
    bus.on("updated", (message) => hub.resourceUpdated(message.uri, true));
    bus.on("task", (message) => {
      if (typeof message.task.taskId === "string") hub.taskStatus(message.task, true);
    });
    bus.on("task-cancel", (message) => void tasks.cancelHere(message.taskId).catch(warnFailed));
    bus.on(
      "task-update",
      (message) => void tasks.answerHere(message.taskId, message.responses).catch(warnFailed),
    );
    await bus.start();
    hub.relay = (event) => bus.broadcast(event);
    // Tasks are read, cancelled and answered on any instance (a `tasks.store` option is kept).
    tasks.useSharedStore(new SharedTaskStore(store));
    tasks.relay = {
      cancel: (taskId) => bus.broadcast({ kind: "task-cancel", taskId }),
      update: (taskId, responses) => bus.broadcast({ kind: "task-update", taskId, responses }),
    };
    const codec = kernel.requestState;
    if (!codec.givenSecret) {
      let mine = await sharedKey(store, randomKey());
      // Should the store lose the key, this instance's goes back in, or it takes the one there now.
      const recheck = async () => {
        const now = await sharedKey(store, mine);
        if (now === mine) return false;
        mine = now;
        codec.useSharedSecret(new TextEncoder().encode(now));
        return true;
      };
      codec.useSharedSecret(new TextEncoder().encode(mine), recheck);
    }
    return scaleOut;
  }

  /** Leaves the other instances (the store itself stays open: its owner closes it). */
  async stop(): Promise<void> {
    await this.bus.close();
  }
}
