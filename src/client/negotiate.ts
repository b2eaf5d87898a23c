/**
 * How the Client agrees a protocol version with a server: a `server/discover` probe first (the
 * 2026-07-28 era), falling back to `initialize` (the legacy era) when the server gives no modern
 * answer; and the `_meta` envelope the client sends with every 2026-07-28 request.
 *
 * The whole negotiation is bounded by the client's `timeout`. A server that dies or cannot be
 * reached during the probe is a connection failure, never a legacy signal (it is not started a
 * second time); a server silent past `probeTimeout` is asked `initialize` too, and whichever
 * question it answers first tells its era.
 */
import { ClientError, ConnectionError, McpError, TimeoutError } from "../errors.js";
import { ErrorCode, MODERN_ERROR_CODES } from "../protocol/codes.js";
import { MetaKey } from "../protocol/meta.js";
import { TASKS_EXTENSION } from "../protocol/tasks.js";
import type {
  ClientCapabilities,
  DiscoverResult,
  Implementation,
  InitializeResult,
  LoggingLevel,
  ServerCapabilities,
} from "../protocol/types.js";
import {
  type Era,
  isLegacyVersion,
  LATEST_LEGACY_PROTOCOL_VERSION,
  LATEST_PROTOCOL_VERSION,
  LEGACY_PROTOCOL_VERSIONS,
  MODERN_PROTOCOL_VERSIONS,
} from "../protocol/versions.js";
import type { ClientTransport } from "../transports/base.js";
import { HttpStatusError } from "../transports/http/status-error.js";
import { type ClientOptions, DEFAULT_TIMEOUT } from "./options.js";

const DEFAULT_CLIENT_INFO: Implementation = { name: "fastmcp-ts-client", version: "0.1.0" };
/** How long the probe may go unanswered before `initialize` is asked too (ms). */
const DEFAULT_PROBE_WINDOW = 5000;
/** The longest a timer can wait in Node (longer ones fire at once). */
const MAX_TIMER = 2 ** 31 - 1;

/** What the server said about itself in either era's handshake. */
export interface ServerSummary {
  info: Implementation | undefined;
  capabilities: ServerCapabilities;
  instructions: string | undefined;
}

/** What negotiating needs from the client. */
export interface NegotiationHost {
  readonly transport: ClientTransport;
  readonly options: ClientOptions;
  readonly capabilities: ClientCapabilities;
}

/**
 * One client's negotiation: what it agreed (kept until the next negotiation overwrites it), and
 * what the client declares with each request of that era.
 */
export class Negotiation {
  /** The era and version in use. */
  agreed: { era: Era; version: string } | undefined;
  server: ServerSummary | undefined;
  /** The minimum level of logs a 2026-07-28 request asks for. */
  private logLevel: LoggingLevel | undefined;
  /** The 2026-07-28 envelope, built once per negotiation and log level. */
  private envelope: Record<string, unknown> | undefined;
  private readonly host: NegotiationHost;
  /** The methods of this negotiation's requests, in the order their answers (or failures) came. */
  private answered: string[] = [];

  constructor(host: NegotiationHost) {
    this.host = host;
    this.logLevel = host.options.logLevel ?? (host.options.onLog ? "debug" : undefined);
  }

  /** The `_meta` of a request: in the 2026-07-28 era the envelope (plus `extra`), else `extra`. */
  meta(extra: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
    if (this.agreed?.era !== "modern") return extra;
    this.envelope ??= this.envelopeAt(this.agreed.version);
    // A key before the spreads (its value is the envelope's), so that V8 keeps one hidden class (see withKey).
    return extra
      ? { [MetaKey.ProtocolVersion]: this.agreed.version, ...this.envelope, ...extra }
      : this.envelope;
  }

  /** Changes the log level the envelope asks for. */
  setLogLevel(level: LoggingLevel): void {
    this.logLevel = level;
    this.envelope = undefined;
  }

  /**
   * Negotiates over a freshly connected transport, by `deadline` (a `Date.now()` time; Infinity for
   * none): probe with `server/discover`, retry once on -32022, else fall back to `initialize`.
   */
  async run(deadline: number): Promise<void> {
    this.envelope = undefined;
    try {
      await this.negotiate(new Deadline(deadline, this.host));
    } catch (error) {
      if (error instanceof TimeoutError && Number.isFinite(deadline)) {
        const budget = this.host.options.timeout ?? DEFAULT_TIMEOUT;
        throw new TimeoutError(
          `Could not connect to ${this.host.transport.describe()} within ${budget} ms (the timeout option): ${error.message}`,
          budget,
          { cause: error },
        );
      }
      throw error;
    }
  }

  private async negotiate(deadline: Deadline): Promise<void> {
    const { transport, options } = this.host;
    this.answered = [];
    const pinned = options.protocolVersion;
    if (pinned !== undefined && isLegacyVersion(pinned)) {
      await this.finishLegacy(await this.initialize(pinned, deadline), deadline);
      return;
    }
    const cancelProbe = new AbortController();
    const probe = settle(
      this.discover(pinned ?? LATEST_PROTOCOL_VERSION, pinned, deadline, cancelProbe.signal),
    );
    let initializing: Promise<Settled<InitializeResult>> | undefined;
    const window = Math.min(options.probeTimeout ?? DEFAULT_PROBE_WINDOW, deadline.remaining());
    let probed = await within(probe, window);
    if (probed === undefined && transport.silentProbeMeansLegacy) {
      // No answer yet: a legacy server that ignores requests before initialize, or a server still
      // starting up. Ask initialize as well and keep the probe open: a server reads its input in
      // order, so a slow modern one answers the probe first, and slowness alone never downgrades.
      initializing = settle(this.initialize(LATEST_LEGACY_PROTOCOL_VERSION, deadline));
      const initialized = await Promise.race([probe.then(() => undefined), initializing]);
      // Both answers can arrive in one read: the order they arrived in decides, not the race.
      if (initialized?.ok && !this.answered.includes("server/discover")) {
        if (pinned !== undefined) throw this.legacyOnly(pinned, undefined, initialized.value);
        await this.finishLegacy(initialized.value, deadline);
        cancelProbe.abort("the server answered initialize");
        return;
      }
    }
    probed ??= await probe;
    if (!probed.ok) throw probed.error;
    const outcome = probed.value;
    if (outcome.era === "modern") {
      this.agreeModern(outcome.version, outcome.result);
      return;
    }
    // A legacy server: initialize it (unless the race above already did and failed).
    initializing ??= settle(this.initialize(outcome.version ?? LATEST_LEGACY_PROTOCOL_VERSION, deadline));
    const initialized = await initializing;
    if (pinned !== undefined) {
      throw this.legacyOnly(pinned, outcome.error, initialized.ok ? initialized.value : undefined);
    }
    if (!initialized.ok) throw initialized.error;
    await this.finishLegacy(initialized.value, deadline);
  }

  /**
   * Sends `server/discover` (at `version`; once more at the best common version after a -32022),
   * and tells the server's era: modern on a DiscoverResult, legacy on any error that is not a
   * recognised modern one. A lost connection (a server that exits, a refused socket) and the
   * deadline are failures, never a legacy signal: the server is not started a second time.
   */
  private async discover(
    version: string,
    pinned: string | undefined,
    deadline: Deadline,
    signal: AbortSignal,
  ): Promise<Probe> {
    let retried = false;
    for (;;) {
      try {
        const result = await this.noteAnswer(
          "server/discover",
          this.host.transport.sendRequest<DiscoverResult>(
            { method: "server/discover", params: { _meta: this.envelopeAt(version) } },
            { timeout: deadline.remaining(), signal },
          ),
        );
        const supported = versionList(result.supportedVersions);
        if (supported.includes(version)) return { era: "modern", version, result };
        const modern = pinned === undefined ? best(supported, MODERN_PROTOCOL_VERSIONS) : undefined;
        if (modern) return { era: "modern", version: modern, result };
        const legacy = pinned === undefined ? best(supported, LEGACY_PROTOCOL_VERSIONS) : undefined;
        if (legacy || (supported.length === 0 && pinned === undefined))
          return { era: "legacy", version: legacy, error: undefined };
        throw new ClientError(unsupported(pinned ?? version, supported));
      } catch (error) {
        if (error instanceof McpError && MODERN_ERROR_CODES.has(error.code)) {
          if (error.code !== ErrorCode.UnsupportedProtocolVersion) {
            const message = `Server rejected server/discover at protocol ${version}: ${error.message}`;
            throw new ClientError(message, { cause: error });
          }
          // A modern server that does not take this version: retry once with the best one both
          // support (the one it rejected may come back: the retry is what the spec asks for).
          const supported = versionList((error.data as { supported?: unknown } | undefined)?.supported);
          const modern =
            pinned === undefined
              ? best(supported, MODERN_PROTOCOL_VERSIONS)
              : supported.includes(pinned)
                ? pinned
                : undefined;
          if (modern && !retried) {
            retried = true;
            version = modern;
            continue;
          }
          const legacy = pinned === undefined ? best(supported, LEGACY_PROTOCOL_VERSIONS) : undefined;
          if (legacy && !retried) return { era: "legacy", version: legacy, error };
          throw new ClientError(
            retried
              ? `Server rejected protocol ${version} again after listing it as supported (${supported.join(", ") || "none"})`
              : unsupported(pinned ?? version, supported),
            { cause: error },
          );
        }
        // Any other answer means a legacy server: a JSON-RPC error, or on HTTP a status without a
        // modern error body. Auth failures are not era signals.
        if (error instanceof McpError) return { era: "legacy", version: undefined, error };
        if (error instanceof HttpStatusError && error.status !== 401 && error.status !== 403)
          return { era: "legacy", version: undefined, error };
        if (error instanceof ConnectionError && !this.host.transport.connected) {
          // The server died answering the probe. Starting it again would run its start-up twice.
          throw new ConnectionError(
            `The connection was lost during the protocol probe (server/discover), so the server was not started again; a legacy server that exits on any request before initialize needs protocolVersion "${LATEST_LEGACY_PROTOCOL_VERSION}". ${error.message}`,
            { cause: error },
          );
        }
        throw error;
      }
    }
  }

  /** The error for a pinned modern version the server does not speak: what it offers instead. */
  private legacyOnly(
    pinned: string,
    probeError: unknown,
    initialized: InitializeResult | undefined,
  ): ClientError {
    const refusal =
      probeError instanceof Error
        ? `it answered server/discover with "${probeError.message}"`
        : "it did not answer server/discover";
    const offered = initialized?.protocolVersion;
    const what =
      typeof offered === "string"
        ? `it is a legacy (initialize-based) server offering ${offered}; connect without protocolVersion, or pin ${offered}`
        : "it does not speak the 2026-07-28 era";
    const server = this.host.transport.describe();
    return new ClientError(`Server ${server} does not support protocol ${pinned}: ${refusal}, and ${what}`, {
      cause: probeError,
    });
  }

  private agreeModern(version: string, result: DiscoverResult): void {
    this.agreed = { era: "modern", version };
    const meta = result._meta as Record<string, unknown> | undefined;
    this.server = {
      info: meta?.[MetaKey.ServerInfo] as Implementation | undefined,
      capabilities: result.capabilities ?? {},
      instructions: result.instructions,
    };
  }

  /** The `_meta` a 2026-07-28 request carries: version, capabilities, client info, log level. */
  private envelopeAt(version: string): Record<string, unknown> {
    const { capabilities, options } = this.host;
    const envelope: Record<string, unknown> = {
      [MetaKey.ProtocolVersion]: version,
      [MetaKey.ClientCapabilities]:
        options.tasks === false
          ? capabilities
          : { ...capabilities, extensions: { ...capabilities.extensions, [TASKS_EXTENSION]: {} } },
      [MetaKey.ClientInfo]: options.clientInfo ?? DEFAULT_CLIENT_INFO,
    };
    if (this.logLevel) envelope[MetaKey.LogLevel] = this.logLevel;
    return envelope;
  }

  /** Sends `initialize` at `version`; the answer is checked by {@link finishLegacy}. */
  private initialize(version: string, deadline: Deadline): Promise<InitializeResult> {
    const { transport, options } = this.host;
    return this.noteAnswer(
      "initialize",
      transport.sendRequest<InitializeResult>(
        {
          method: "initialize",
          params: {
            protocolVersion: version,
            capabilities: this.host.capabilities,
            clientInfo: options.clientInfo ?? DEFAULT_CLIENT_INFO,
          },
        },
        { timeout: deadline.remaining() },
      ),
    );
  }

  /**
   * Records when `request` is answered, in arrival order: this first reaction to the engine's
   * promise runs before any other, in the order the engine settled them.
   */
  private noteAnswer<T>(method: string, request: Promise<T>): Promise<T> {
    const note = () => void this.answered.push(method);
    request.then(note, note);
    return request;
  }

  /**
   * Ends a legacy handshake: checks the version the server answered, then `initialized` (the
   * transport resolves once it is ready for the server's own messages) and the log level.
   */
  private async finishLegacy(result: InitializeResult, deadline: Deadline): Promise<void> {
    const { transport, options } = this.host;
    const answered = result.protocolVersion;
    if (typeof answered !== "string" || !isLegacyVersion(answered)) {
      throw new ClientError(
        `Server answered initialize with unsupported protocol version ${String(answered)}`,
      );
    }
    if (options.protocolVersion !== undefined && answered !== options.protocolVersion) {
      throw new ClientError(
        `Server does not support protocol ${options.protocolVersion} (it offered ${answered})`,
      );
    }
    this.agreed = { era: "legacy", version: answered };
    this.server = {
      info: result.serverInfo,
      capabilities: result.capabilities ?? {},
      instructions: result.instructions,
    };
    await deadline.bound(transport.initialized(), "the connection was not ready after initialize");
    if (options.logLevel && result.capabilities?.logging) {
      await transport.sendRequest(
        { method: "logging/setLevel", params: { level: options.logLevel } },
        { timeout: deadline.remaining() },
      );
    }
  }
}

/** What the probe told about the server's era. */
type Probe =
  | { era: "modern"; version: string; result: DiscoverResult }
  | {
      era: "legacy";
      /** The best legacy version both sides support, when the server listed its versions. */
      version: string | undefined;
      /** Why the server counts as legacy (absent when its DiscoverResult listed only legacy versions). */
      error: unknown;
    };

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A promise that never rejects: its outcome, to race without unhandled rejections. */
function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

/** The settled promise, or undefined when it takes longer than `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  if (ms > MAX_TIMER) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The connect deadline: what remains of the client's `timeout`, for each step of negotiating. */
class Deadline {
  constructor(
    private readonly at: number,
    private readonly host: NegotiationHost,
  ) {}

  /** The milliseconds left (Infinity without a timeout); throws TimeoutError when none are. */
  remaining(): number {
    const left = this.at - Date.now();
    if (left <= 0) throw new TimeoutError("no time was left", this.host.options.timeout ?? DEFAULT_TIMEOUT);
    return left;
  }

  /** `promise`, or a TimeoutError naming `what` when the deadline comes first. */
  async bound<T>(promise: Promise<T>, what: string): Promise<T> {
    const left = this.remaining();
    if (!Number.isFinite(left)) return promise;
    const settled = await within(settle(promise), left);
    if (settled === undefined) throw new TimeoutError(what, this.host.options.timeout ?? DEFAULT_TIMEOUT);
    if (!settled.ok) throw settled.error;
    return settled.value;
  }
}

/** The strings of a `supported` / `supportedVersions` field. */
function versionList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

/** The first of ours (newest first) that the server lists. */
function best(supported: readonly string[], ours: readonly string[]): string | undefined {
  return ours.find((version) => supported.includes(version));
}

function unsupported(version: string, supported: readonly string[]): string {
  return `Server does not support protocol ${version}; it supports ${supported.join(", ") || "no version it named"}`;
}
