/**
 * Opening change subscriptions for `client.listen()`, and routing notifications to them. Over
 * 2026-07-28 a subscription is one `subscriptions/listen` request, whose notifications carry its id;
 * on a legacy session it is emulated with the session's list_changed notifications and
 * `resources/subscribe`, and notifications are matched against its filter.
 */
import { ClientError, TimeoutError } from "../errors.js";
import { MetaKey } from "../protocol/meta.js";
import type { JSONRPCNotification, RequestId, Result, ServerCapabilities } from "../protocol/types.js";
import type { ClientTransport } from "../transports/base.js";
import type { CallOptions } from "./options.js";
import { type ListenFilter, Subscription } from "./subscription.js";

const LIST_KEYS: Record<string, keyof ListenFilter> = {
  "notifications/tools/list_changed": "toolsListChanged",
  "notifications/prompts/list_changed": "promptsListChanged",
  "notifications/resources/list_changed": "resourcesListChanged",
};

/** Whether a notification is one the filter asked for. */
function matchesFilter(filter: ListenFilter, notification: JSONRPCNotification): boolean {
  const key = LIST_KEYS[notification.method];
  if (key) return filter[key] === true;
  if (notification.method === "notifications/resources/updated") {
    return filter.resourceSubscriptions?.includes(String(notification.params?.uri)) ?? false;
  }
  return false;
}

/** What subscriptions need from the client. */
export interface ListenHost {
  readonly transport: ClientTransport;
  readonly connected: boolean;
  readonly serverCapabilities: ServerCapabilities | undefined;
  request(method: string, params?: Record<string, unknown>, options?: CallOptions): Promise<Result>;
}

/** A client's open subscriptions. */
export class Listeners {
  private readonly host: ListenHost;
  /** The `_meta` envelope of the era in use, if it has one. */
  private readonly meta: () => Record<string, unknown> | undefined;
  /** Open 2026-07-28 listen streams by subscription (request) id, and their acknowledgement hooks. */
  private readonly streams = new Map<RequestId, Subscription>();
  private readonly acknowledgements = new Map<RequestId, () => void>();
  /** Subscriptions emulated on a legacy session, with what they listen to. */
  private readonly emulated = new Map<Subscription, ListenFilter>();

  constructor(host: ListenHost, meta: () => Record<string, unknown> | undefined) {
    this.host = host;
    this.meta = meta;
  }

  /** Hands a notification to the subscriptions it belongs to. */
  route(notification: JSONRPCNotification): void {
    const id = (notification.params?._meta as Record<string, unknown> | undefined)?.[MetaKey.SubscriptionId];
    if (id !== undefined) {
      const subscription = this.streams.get(id as RequestId);
      if (!subscription) return;
      if (notification.method === "notifications/subscriptions/acknowledged") {
        subscription.acknowledged = (notification.params?.notifications ?? {}) as ListenFilter;
        this.acknowledgements.get(id as RequestId)?.();
      } else subscription.push(notification);
      return;
    }
    for (const [subscription, filter] of this.emulated) {
      if (matchesFilter(filter, notification)) subscription.push(notification);
    }
  }

  /** Sends `subscriptions/listen`; resolves once the server acknowledged it (within `timeout` ms). */
  async listen(filter: ListenFilter, timeout: number): Promise<Subscription> {
    const controller = new AbortController();
    let requestId: RequestId | undefined;
    let failure: Error | undefined;
    let acked = false;
    const subscription = new Subscription(() => controller.abort(new ClientError("Subscription closed")));
    const acknowledged = new Promise<void>((resolve) => {
      const meta = this.meta();
      const params: Record<string, unknown> = { notifications: filter };
      if (meta) params._meta = meta;
      const done = this.host.transport.sendRequest(
        { method: "subscriptions/listen", params },
        {
          timeout: 0,
          signal: controller.signal,
          onRequestId: (id) => {
            requestId = id;
            this.streams.set(id, subscription);
            this.acknowledgements.set(id, () => {
              acked = true;
              resolve();
            });
          },
        },
      );
      const cleanup = () => {
        if (requestId !== undefined) {
          this.streams.delete(requestId);
          this.acknowledgements.delete(requestId);
        }
        resolve();
      };
      done.then(
        () => {
          subscription.finish();
          cleanup();
        },
        (error: Error) => {
          if (!controller.signal.aborted) failure = error;
          subscription.finish(failure);
          cleanup();
        },
      );
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      acknowledged,
      new Promise<void>((_resolve, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new TimeoutError(`subscriptions/listen was not acknowledged within ${timeout} ms`, timeout),
            ),
          timeout,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    if (failure && !acked) throw failure;
    return subscription;
  }

  /**
   * Emulates a subscription on a legacy session: what the server's capabilities allow of the
   * filter, with `resources/subscribe` for each URI (and `resources/unsubscribe` on close).
   */
  async emulate(filter: ListenFilter, options: CallOptions): Promise<Subscription> {
    const capabilities = this.host.serverCapabilities ?? {};
    const acknowledged: ListenFilter = {};
    if (filter.toolsListChanged && capabilities.tools?.listChanged) acknowledged.toolsListChanged = true;
    if (filter.promptsListChanged && capabilities.prompts?.listChanged)
      acknowledged.promptsListChanged = true;
    if (filter.resourcesListChanged && capabilities.resources?.listChanged)
      acknowledged.resourcesListChanged = true;
    const uris = capabilities.resources?.subscribe ? (filter.resourceSubscriptions ?? []) : [];
    for (const uri of uris) await this.host.request("resources/subscribe", { uri }, options);
    if (uris.length > 0) acknowledged.resourceSubscriptions = [...uris];
    const subscription = new Subscription(async () => {
      this.emulated.delete(subscription);
      if (!this.host.connected) return;
      await Promise.all(
        uris.map((uri) => this.host.request("resources/unsubscribe", { uri }).catch(() => undefined)),
      );
    });
    subscription.acknowledged = acknowledged;
    this.emulated.set(subscription, acknowledged);
    return subscription;
  }
}
