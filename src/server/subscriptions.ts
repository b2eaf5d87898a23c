/**
 * Change notifications for both eras from one place: list changes and resource updates fan out to
 * legacy sessions (list_changed, and `resources/subscribe`d URIs) and to 2026-07-28
 * `subscriptions/listen` streams (only what each filter asked for, tagged with its subscriptionId).
 * Made with the dispatcher, when the server starts serving: until then no one listens.
 */
import { McpError } from "../errors.js";
import { ErrorCode } from "../protocol/codes.js";
import { MetaKey } from "../protocol/meta.js";
import type { RequestId, Result } from "../protocol/types.js";
import type { SessionState } from "./kernel.js";

/** The notification types a `subscriptions/listen` request can ask for. */
export interface SubscriptionFilter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
  /** `notifications/tasks` for these tasks (the tasks extension; checked by the kernel first). */
  taskIds?: string[];
}

/** An open connection that hears about list changes (legacy sessions). */
export interface SessionMember {
  readonly state: SessionState;
  /** Requests the client sent that are still being handled. */
  readonly inFlight: number;
  notify(method: string, params?: Record<string, unknown>): void;
}

interface Listener {
  id: RequestId;
  tools: boolean;
  prompts: boolean;
  resources: boolean;
  uris: Set<string>;
  tasks: Set<string>;
  notify(method: string, params: Record<string, unknown>): void;
  end(): void;
}

const LIST_FILTER: Record<string, keyof Pick<Listener, "tools" | "prompts" | "resources">> = {
  "notifications/tools/list_changed": "tools",
  "notifications/prompts/list_changed": "prompts",
  "notifications/resources/list_changed": "resources",
};

/** Whether `method` is one of the list-changed notifications. */
export function isListChanged(method: string): boolean {
  return Object.hasOwn(LIST_FILTER, method);
}

function parseFilter(value: unknown): SubscriptionFilter {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new McpError(ErrorCode.InvalidParams, "subscriptions/listen needs a notifications filter object");
  }
  const filter = value as Record<string, unknown>;
  const uris = filter.resourceSubscriptions;
  if (uris !== undefined && (!Array.isArray(uris) || uris.some((uri) => typeof uri !== "string"))) {
    throw new McpError(
      ErrorCode.InvalidParams,
      "notifications.resourceSubscriptions must be an array of URIs",
    );
  }
  const accepted: SubscriptionFilter = {};
  if (filter.toolsListChanged === true) accepted.toolsListChanged = true;
  if (filter.promptsListChanged === true) accepted.promptsListChanged = true;
  if (filter.resourcesListChanged === true) accepted.resourcesListChanged = true;
  if (Array.isArray(uris) && uris.length > 0) accepted.resourceSubscriptions = [...new Set(uris as string[])];
  const taskIds = filter.taskIds;
  if (Array.isArray(taskIds) && taskIds.length > 0)
    accepted.taskIds = [...new Set(taskIds.filter((id): id is string => typeof id === "string"))];
  return accepted;
}

/** A change the hub delivered, as passed on to the other instances of a scaled-out server. */
export type HubEvent =
  | { kind: "list"; method: string }
  | { kind: "updated"; uri: string }
  | { kind: "task"; task: { taskId: string } };

export class SubscriptionHub {
  /** Legacy connections (and anything else that wants every list change): the kernel's. */
  readonly sessions: ReadonlySet<SessionMember>;
  private readonly listeners = new Set<Listener>();
  /**
   * Set on a scaled-out server: hears every change delivered here, to pass it on to the other
   * instances (which deliver it with `fromElsewhere` and do not pass it on again).
   */
  relay: ((event: HubEvent) => void) | undefined;

  constructor(sessions: ReadonlySet<SessionMember>) {
    this.sessions = sessions;
  }

  /** Open `subscriptions/listen` streams. */
  get listenerCount(): number {
    return this.listeners.size;
  }

  listChanged(method: string, fromElsewhere = false): void {
    if (this.relay && !fromElsewhere) this.relay({ kind: "list", method });
    for (const session of this.sessions) if (session.state.legacy) session.notify(method);
    const kind = LIST_FILTER[method];
    if (!kind) return;
    for (const listener of this.listeners) {
      if (listener[kind]) listener.notify(method, { _meta: { [MetaKey.SubscriptionId]: listener.id } });
    }
  }

  resourceUpdated(uri: string, fromElsewhere = false): void {
    if (this.relay && !fromElsewhere) this.relay({ kind: "updated", uri });
    for (const session of this.sessions) {
      if (session.state.subscriptions?.has(uri)) session.notify("notifications/resources/updated", { uri });
    }
    for (const listener of this.listeners) {
      if (listener.uris.has(uri)) {
        listener.notify("notifications/resources/updated", {
          uri,
          _meta: { [MetaKey.SubscriptionId]: listener.id },
        });
      }
    }
  }

  /** Delivers a task's new state to the listen streams that asked for it (`notifications/tasks`). */
  taskStatus(task: { taskId: string }, fromElsewhere = false): void {
    if (this.relay && !fromElsewhere) this.relay({ kind: "task", task });
    for (const listener of this.listeners) {
      if (listener.tasks.has(task.taskId)) {
        listener.notify("notifications/tasks", { ...task, _meta: { [MetaKey.SubscriptionId]: listener.id } });
      }
    }
  }

  /**
   * Serves one `subscriptions/listen`: acknowledges, then delivers until the client cancels (the
   * promise then settles unanswered) or the server ends it (the promise resolves with the result).
   */
  listen(
    id: RequestId,
    filterParam: unknown,
    signal: AbortSignal,
    notify: (method: string, params: Record<string, unknown>) => void,
  ): Promise<Result> {
    const filter = parseFilter(filterParam);
    notify("notifications/subscriptions/acknowledged", {
      _meta: { [MetaKey.SubscriptionId]: id },
      notifications: filter,
    });
    return new Promise<Result>((resolve) => {
      const listener: Listener = {
        id,
        tools: filter.toolsListChanged === true,
        prompts: filter.promptsListChanged === true,
        resources: filter.resourcesListChanged === true,
        uris: new Set(filter.resourceSubscriptions ?? []),
        tasks: new Set(filter.taskIds ?? []),
        notify,
        end: () => {
          this.listeners.delete(listener);
          signal.removeEventListener("abort", onAbort);
          resolve({ _meta: { [MetaKey.SubscriptionId]: id } });
        },
      };
      const onAbort = () => {
        this.listeners.delete(listener);
        resolve({});
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      this.listeners.add(listener);
    });
  }

  /** Ends every open listen stream gracefully (server shutdown). */
  endAll(): void {
    for (const listener of [...this.listeners]) listener.end();
  }
}
