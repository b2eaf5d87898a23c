/**
 * A proxied server as a component source: lists come from the upstream (cached until it says they
 * changed), requests go to it through a kept connection, and what the upstream asks, logs and
 * reports while it works travels back to the request that caused it (see upstream.ts for how a
 * message is tied to a request, forwarded-call.ts for the two eras downstream).
 */

import type { ClientTarget } from "../../client/detect.js";
import { ClientError, McpError } from "../../errors.js";
import { ErrorCode } from "../../protocol/codes.js";
import { MetaKey } from "../../protocol/meta.js";
import type { Result } from "../../protocol/types.js";
import type { DispatchScope } from "../../server/dispatch-scope.js";
import type {
  CallToolParams,
  CompleteParams,
  GetPromptParams,
  ReadResourceParams,
} from "../../server/methods.js";
import type { ComponentSource, SourceEvents, SourceLists } from "../../server/sources.js";
import { checkForwarding } from "../forward-check.js";
import { ForwardedCall } from "./forwarded-call.js";
import type { ProxyOptions } from "./options.js";
import { ParkedCalls } from "./parked-calls.js";
import { targetFor } from "./targets.js";
import { Upstream } from "./upstream.js";

export interface ProxySourceOptions extends ProxyOptions {
  /**
   * In a multi-server proxy: an upstream that cannot be reached lists nothing (and is reported)
   * instead of failing the whole list; calls to it still fail with an error naming it.
   */
  tolerant?: boolean;
  /** Told of every connection attempt (tests count spawns with it). */
  onConnect?: (error?: Error) => void;
  /** Where failures of a tolerant upstream are reported (default console.error). */
  report?: (message: string) => void;
}

const RESULT_ENVELOPE = new Set(["resultType", "ttlMs", "cacheScope", "inputRequests", "requestState"]);

export class ProxySource implements ComponentSource {
  readonly name: string;
  private readonly target: ClientTarget;
  private readonly options: ProxySourceOptions;
  private readonly forward: readonly string[];
  private readonly upstreams = new Map<string, Upstream>();
  private readonly parked: ParkedCalls;
  private events: SourceEvents | undefined;
  /** A tolerant upstream's failure has been reported (again after it worked once more). */
  private reported = false;

  constructor(name: string, target: ClientTarget, options: ProxySourceOptions = {}) {
    this.name = name;
    this.target = target;
    this.options = options;
    this.forward = checkForwarding(target, options.forwardHeaders);
    this.parked = new ParkedCalls(options.pendingInput);
  }

  async list<K extends keyof SourceLists>(kind: K, scope: DispatchScope): Promise<SourceLists[K][]> {
    try {
      const items = await this.upstreamFor(scope).list(kind);
      this.reported = false;
      return items;
    } catch (error) {
      if (!this.options.tolerant) throw this.failure(error);
      if (!this.reported) {
        this.reported = true;
        (this.options.report ?? console.error)(`[fastmcp-ts proxy] ${this.failure(error).message}`);
      }
      return [];
    }
  }

  callTool(params: CallToolParams & { name: string }, scope: DispatchScope): Promise<Result> {
    const args = params.arguments;
    const forwarded: Record<string, unknown> = { name: params.name, arguments: isObject(args) ? args : {} };
    return this.forwardCall("tools/call", forwarded, params, scope);
  }

  readResource(params: ReadResourceParams & { uri: string }, scope: DispatchScope): Promise<Result> {
    return this.forwardCall("resources/read", { uri: params.uri }, params, scope);
  }

  getPrompt(params: GetPromptParams & { name: string }, scope: DispatchScope): Promise<Result> {
    const forwarded: Record<string, unknown> = { name: params.name };
    if (isObject(params.arguments)) forwarded.arguments = params.arguments;
    return this.forwardCall("prompts/get", forwarded, params, scope);
  }

  async complete(params: CompleteParams, scope: DispatchScope): Promise<Result> {
    const forwarded: Record<string, unknown> = { ref: params.ref, argument: params.argument };
    if (params.context !== undefined) forwarded.context = params.context;
    try {
      return clean(await this.upstreamFor(scope).request("completion/complete", forwarded, undefined, false));
    } catch (error) {
      throw this.failure(error);
    }
  }

  async subscribe(uri: string, scope: DispatchScope): Promise<void> {
    await this.upstreamFor(scope)
      .subscribe(uri, true)
      .catch((error: unknown) => {
        throw this.failure(error);
      });
  }

  async unsubscribe(uri: string): Promise<void> {
    await Promise.all(
      [...this.upstreams.values()].map((upstream) => upstream.subscribe(uri, false).catch(() => {})),
    );
  }

  watch(events: SourceEvents): () => void {
    this.events = events;
    return () => {
      if (this.events === events) this.events = undefined;
    };
  }

  async close(): Promise<void> {
    this.parked.clear();
    const upstreams = [...this.upstreams.values()];
    this.upstreams.clear();
    await Promise.all(upstreams.map((upstream) => upstream.close()));
  }

  /**
   * Forwards a request that may run long and ask for input. A 2026-07-28 retry that answers what
   * a parked call asked resumes that call instead of starting another.
   */
  private async forwardCall(
    method: "tools/call" | "resources/read" | "prompts/get",
    forwarded: Record<string, unknown>,
    params: Record<string, unknown>,
    scope: DispatchScope,
  ): Promise<Result> {
    const describe = () => `${method} ${JSON.stringify(forwarded)}`;
    let call: ForwardedCall;
    let running: Promise<Result>;
    const parked =
      scope.era === "modern" && params.inputResponses !== undefined
        ? this.parked.take(params.inputResponses, (waiting) => waiting.resumableBy(scope, describe()))
        : undefined;
    if (parked) {
      call = parked.call;
      running = parked.upstream;
    } else {
      const upstream = this.upstreamFor(scope);
      call = new ForwardedCall(scope, describe);
      running = upstream.request(method, forwarded, call, scope.progressToken !== undefined, call.signal);
    }
    call.onParked = () => {
      // Worked out now, while the request's params are those of this call.
      void call.fingerprint;
      this.parked.park({ call, upstream: running });
    };
    try {
      return clean(await call.drive(scope, running));
    } catch (error) {
      throw this.failure(error);
    }
  }

  /** The connection for this caller: one per distinct set of forwarded header values. */
  private upstreamFor(scope: DispatchScope): Upstream {
    let headers: Record<string, string> | undefined;
    let key = "";
    if (this.forward.length > 0) {
      headers = {};
      for (const name of this.forward) {
        const value = scope.headers?.[name];
        if (value !== undefined) headers[name] = value;
      }
      key = JSON.stringify(this.forward.map((name) => headers?.[name] ?? null));
    }
    let upstream = this.upstreams.get(key);
    if (upstream) {
      // Most recently used last: the first idle one is the one to close when there are too many.
      this.upstreams.delete(key);
      this.upstreams.set(key, upstream);
      return upstream;
    }
    const target = this.target;
    upstream = new Upstream({
      name: this.name,
      target: () => targetFor(target, headers),
      client: {
        clientInfo: this.options.clientInfo ?? { name: `${this.name} (fastmcp-ts proxy)`, version: "0.0.0" },
        ...(this.options.timeout === undefined ? {} : { timeout: this.options.timeout }),
        ...(this.options.auth === undefined ? {} : { auth: this.options.auth }),
        ...(this.options.protocolVersion === undefined
          ? {}
          : { protocolVersion: this.options.protocolVersion }),
      },
      maxItems: this.options.maxListItems ?? 10_000,
      events: () => this.events,
      ...(this.options.onConnect ? { onConnect: this.options.onConnect } : {}),
    });
    this.upstreams.set(key, upstream);
    this.evict();
    return upstream;
  }

  /** Closes the least recently used idle connections past `maxConnections`. */
  private evict(): void {
    const max = Math.max(1, this.options.maxConnections ?? 100);
    if (this.upstreams.size <= max) return;
    for (const [key, upstream] of this.upstreams) {
      if (this.upstreams.size <= max) break;
      if (upstream.busy) continue;
      this.upstreams.delete(key);
      void upstream.close().catch(() => {});
    }
  }

  /** An upstream failure as the downstream should see it: JSON-RPC errors as they are, the rest named. */
  private failure(error: unknown): Error {
    if (error instanceof McpError) return error;
    if (error instanceof Error && error.name === "InputRequiredSignal") return error;
    const message = error instanceof Error ? error.message : String(error);
    const what = error instanceof ClientError ? "" : "failed: ";
    return new McpError(ErrorCode.InternalError, `Proxied server ${this.name}: ${what}${message}`);
  }
}

/** An upstream result without what belongs to the upstream's envelope (the proxy adds its own). */
function clean(result: Result): Result {
  // Copied key by key rather than spread and deleted from: an object deleted from becomes a slow
  // dictionary, which the reply then has to serialize.
  const out: Result = {};
  for (const key in result) {
    if (!Object.hasOwn(result, key) || RESULT_ENVELOPE.has(key)) continue;
    const value = result[key];
    if (key === "_meta" && isObject(value)) {
      const kept: Record<string, unknown> = {};
      for (const [name, entry] of Object.entries(value)) {
        if (name !== MetaKey.ServerInfo && name !== MetaKey.ProtocolVersion) kept[name] = entry;
      }
      if (Object.keys(kept).length > 0) out._meta = kept;
    } else if (key === "__proto__") {
      // An own key as the upstream sent it (an assignment would set the prototype instead).
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    } else out[key] = value;
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
