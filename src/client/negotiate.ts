/**
 * How the Client agrees a protocol version with a server: a `server/discover` probe first (the
 * 2026-07-28 era), falling back to `initialize` (the legacy era) when the server gives no modern
 * answer; and the `_meta` envelope the client sends with every 2026-07-28 request.
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
  isModernVersion,
  LATEST_LEGACY_PROTOCOL_VERSION,
  LATEST_PROTOCOL_VERSION,
  MODERN_PROTOCOL_VERSIONS,
} from "../protocol/versions.js";
import type { ClientTransport } from "../transports/base.js";
import type { ClientOptions } from "./options.js";

const DEFAULT_CLIENT_INFO: Implementation = { name: "fastmcp-ts-client", version: "0.1.0" };

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
  /** Connects the transport again (a failed probe may have closed it). */
  reconnect(): Promise<void>;
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

  constructor(host: NegotiationHost) {
    this.host = host;
    this.logLevel = host.options.logLevel ?? (host.options.onLog ? "debug" : undefined);
  }

  /** The `_meta` of a request: in the 2026-07-28 era the envelope (plus `extra`), else `extra`. */
  meta(extra: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
    if (this.agreed?.era !== "modern") return extra;
    this.envelope ??= this.envelopeAt(this.agreed.version);
    return extra ? { ...this.envelope, ...extra } : this.envelope;
  }

  /** Changes the log level the envelope asks for. */
  setLogLevel(level: LoggingLevel): void {
    this.logLevel = level;
    this.envelope = undefined;
  }

  /** Negotiates over a freshly connected transport. */
  async run(): Promise<void> {
    this.envelope = undefined;
    const pinned = this.host.options.protocolVersion;
    if (pinned !== undefined && isLegacyVersion(pinned)) {
      await this.initialize(pinned);
      return;
    }
    const preferred = pinned ?? LATEST_PROTOCOL_VERSION;
    const probed = await this.probe(preferred, pinned !== undefined);
    if (probed) return;
    // The server is legacy (or gave no modern answer): reopen if the probe killed the connection.
    if (!this.host.transport.connected) await this.host.reconnect();
    await this.initialize(LATEST_LEGACY_PROTOCOL_VERSION);
  }

  /**
   * Sends `server/discover`. True when the server is modern; false when it should be treated as
   * legacy: any error that is not a recognised modern one, a timeout, or a dropped connection.
   */
  private async probe(version: string, pinned: boolean): Promise<boolean> {
    const { transport, options } = this.host;
    const timeout = options.probeTimeout ?? 5000;
    for (let attempt = 0; attempt < 2; attempt++) {
      const envelope = this.envelopeAt(version);
      try {
        const result = await transport.sendRequest<DiscoverResult>(
          { method: "server/discover", params: { _meta: envelope } },
          { timeout: pinned ? (options.timeout ?? 60_000) : timeout },
        );
        const supported = Array.isArray(result.supportedVersions) ? result.supportedVersions : [];
        let chosen = version;
        if (!supported.includes(version)) {
          const modern = supported.find((candidate) => isModernVersion(candidate));
          if (!modern || pinned) {
            if (pinned)
              throw new ClientError(
                `Server does not support protocol ${version}; it supports ${supported.join(", ")}`,
              );
            return false;
          }
          chosen = modern;
        }
        this.agreed = { era: "modern", version: chosen };
        const meta = result._meta as Record<string, unknown> | undefined;
        this.server = {
          info: meta?.[MetaKey.ServerInfo] as Implementation | undefined,
          capabilities: result.capabilities ?? {},
          instructions: result.instructions,
        };
        return true;
      } catch (error) {
        if (
          error instanceof ClientError &&
          !(error instanceof TimeoutError) &&
          !(error instanceof ConnectionError)
        )
          throw error;
        if (error instanceof McpError && MODERN_ERROR_CODES.has(error.code)) {
          const supported = (error.data as { supported?: unknown })?.supported;
          const modern = Array.isArray(supported)
            ? (supported as string[]).find((candidate) =>
                MODERN_PROTOCOL_VERSIONS.includes(candidate as never),
              )
            : undefined;
          if (
            error.code === ErrorCode.UnsupportedProtocolVersion &&
            modern &&
            modern !== version &&
            !pinned
          ) {
            version = modern;
            continue;
          }
          if (error.code === ErrorCode.UnsupportedProtocolVersion && Array.isArray(supported) && !pinned) {
            if ((supported as string[]).some((candidate) => isLegacyVersion(candidate))) return false;
          }
          throw new ClientError(`Server rejected protocol ${version}: ${error.message}`, { cause: error });
        }
        if (pinned) throw error;
        if (error instanceof ConnectionError) await transport.disconnect().catch(() => {});
        return false;
      }
    }
    return false;
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

  private async initialize(version: string): Promise<void> {
    const { transport, options } = this.host;
    const result = await transport.sendRequest<InitializeResult>(
      {
        method: "initialize",
        params: {
          protocolVersion: version,
          capabilities: this.host.capabilities,
          clientInfo: options.clientInfo ?? DEFAULT_CLIENT_INFO,
        },
      },
      { timeout: options.timeout ?? 60_000 },
    );
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
    transport.sendNotification("notifications/initialized");
    if (options.logLevel && result.capabilities?.logging) {
      await transport.sendRequest({
        method: "logging/setLevel",
        params: { level: options.logLevel },
      });
    }
  }
}
