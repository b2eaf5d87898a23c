/**
 * A subscription to server change notifications, from `client.listen(filter)`: an async iterator
 * of notifications, closed with `close()` (or `await using`). Over 2026-07-28 it is one
 * `subscriptions/listen` request; on a legacy session it is the session's list_changed
 * notifications plus `resources/subscribe`.
 */
import type { JSONRPCNotification } from "../protocol/types.js";

/** Which change notifications to receive. */
export interface ListenFilter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  /** Receive `notifications/resources/updated` for these URIs. */
  resourceSubscriptions?: string[];
  /** Receive `notifications/tasks` (each a task's full state) for these tasks (2026-07-28 tasks extension). */
  taskIds?: string[];
}

export class Subscription implements AsyncIterable<JSONRPCNotification>, AsyncDisposable {
  /** What the server agreed to deliver (a subset of what was asked). */
  acknowledged: ListenFilter = {};
  private readonly queue: JSONRPCNotification[] = [];
  private readonly waiters: ((next: IteratorResult<JSONRPCNotification>) => void)[] = [];
  private failures: ((error: Error) => void)[] = [];
  private ended = false;
  private error: Error | undefined;
  private readonly onClose: () => Promise<void> | void;

  constructor(onClose: () => Promise<void> | void) {
    this.onClose = onClose;
  }

  /** Whether the subscription has ended (closed by either side, or its connection lost). */
  get closed(): boolean {
    return this.ended;
  }

  /** @internal Delivers one notification. */
  push(notification: JSONRPCNotification): void {
    if (this.ended) return;
    const waiter = this.waiters.shift();
    this.failures.shift();
    if (waiter) waiter({ value: notification, done: false });
    else this.queue.push(notification);
  }

  /** @internal Ends the stream: iteration finishes, or rejects with `error`. */
  finish(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    const waiters = this.waiters.splice(0);
    const failures = this.failures.splice(0);
    if (error) for (const fail of failures) fail(error);
    else for (const wake of waiters) wake({ value: undefined, done: true });
  }

  /** The next notification; resolves `done` once the subscription ends. */
  next(): Promise<IteratorResult<JSONRPCNotification>> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve({ value: queued, done: false });
    if (this.ended) {
      return this.error ? Promise.reject(this.error) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiters.push(resolve);
      this.failures.push(reject);
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<JSONRPCNotification> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }

  /** Stops the subscription. Safe to call twice. */
  async close(): Promise<void> {
    if (this.ended) return;
    this.finish();
    await this.onClose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
