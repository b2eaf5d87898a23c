/**
 * Publish/subscribe for RedisStore: one subscriber connection per store, each channel subscribed
 * on it once however many listeners it has here, messages fanned out to them in this process.
 * node-redis subscribes again after a reconnection.
 */
import type { Connection } from "./connection.js";

type Listener = (message: string) => void;

interface Channel {
  readonly listeners: Set<Listener>;
  /** Settles when Redis confirmed the SUBSCRIBE. */
  readonly subscribed: Promise<void>;
}

export class Fanout {
  private readonly channels = new Map<string, Channel>();
  /** Channels whose UNSUBSCRIBE failed during an outage: dropped once reconnected. */
  private readonly stale = new Set<string>();
  /** The one listener node-redis knows, for every channel. */
  private readonly deliver = (message: string, channel: string) => {
    const entry = this.channels.get(channel);
    if (!entry) return;
    for (const listener of [...entry.listeners]) {
      try {
        listener(message);
      } catch (error) {
        // A listener's failure must not stop the others, nor reach node-redis's parser.
        this.report("a subscriber of a RedisStore channel threw", error);
      }
    }
  };

  constructor(
    private readonly connection: () => Connection,
    private readonly report: (what: string, error: unknown) => void,
  ) {}

  async subscribe(channel: string, listener: Listener): Promise<() => Promise<void>> {
    const entry = this.channels.get(channel) ?? this.open(channel);
    await entry.subscribed;
    // Added once subscribed: the listener gets what is published from now on, nothing older.
    const own = (message: string) => listener(message);
    entry.listeners.add(own);
    let ended = false;
    return async () => {
      if (ended) return;
      ended = true;
      entry.listeners.delete(own);
      if (entry.listeners.size > 0 || this.channels.get(channel) !== entry) return;
      this.channels.delete(channel);
      await this.unsubscribe(channel);
    };
  }

  private open(channel: string): Channel {
    this.stale.delete(channel);
    const subscribed = (async () => {
      const connection = this.connection();
      const client = await connection.connect();
      try {
        await client.subscribe(channel, this.deliver);
      } catch (error) {
        throw connection.translate(error);
      }
    })();
    const entry: Channel = { listeners: new Set(), subscribed };
    this.channels.set(channel, entry);
    // A failed SUBSCRIBE leaves no entry behind: the next subscribe tries again.
    subscribed.catch(() => {
      if (this.channels.get(channel) === entry) this.channels.delete(channel);
    });
    return entry;
  }

  private async unsubscribe(channel: string): Promise<void> {
    const connection = this.connection();
    try {
      const client = await connection.connect();
      await client.unsubscribe(channel, this.deliver);
    } catch (error) {
      // Nothing is delivered for it any more; the subscription itself goes after the outage.
      if (!this.channels.has(channel)) this.stale.add(channel);
      throw connection.translate(error);
    }
  }

  /** After a reconnection: unsubscribes the channels left behind during the outage. */
  reconcile(): void {
    for (const channel of this.stale) {
      this.stale.delete(channel);
      if (!this.channels.has(channel)) this.unsubscribe(channel).catch(() => {});
    }
  }

  clear(): void {
    this.channels.clear();
    this.stale.clear();
  }
}
