/**
 * One stateless request through the kernel: a 2026-07-28 exchange, or a legacy request served
 * without a session. The answer is always a JSON-RPC response; failures become error responses.
 */
import { errorResponse, resultResponse, toErrorObject } from "../protocol/jsonrpc.js";
import type { JSONRPCNotification, JSONRPCRequest, JSONRPCResponse } from "../protocol/types.js";
import type { ExchangeOptions, StatelessNotificationOptions } from "./entry.js";
import type { DispatchInput, ServerKernel, SessionState } from "./kernel.js";

/** A notification outside any session, for middleware (it changes no state: there is none). */
export function exchangeNotification(
  kernel: ServerKernel,
  notification: JSONRPCNotification,
  options: StatelessNotificationOptions,
): void {
  kernel.receiveNotification(notification, statelessState(options));
}

/** The state of a request without a session: legacy as the given version, initialized, or modern. */
function statelessState(options: StatelessNotificationOptions): SessionState {
  const version = options.legacyVersion;
  return {
    transport: options.transport,
    legacy:
      version === undefined
        ? undefined
        : {
            protocolVersion: version,
            clientCapabilities: {},
            clientInfo: undefined,
            logLevel: undefined,
            initialized: true,
          },
    sessionId: undefined,
    auth: options.auth,
  };
}

export function exchange(
  kernel: ServerKernel,
  request: JSONRPCRequest,
  options: ExchangeOptions,
): Promise<JSONRPCResponse> {
  const id = request.id;
  return kernel.dispatch(new ExchangeInput(request, options)).then(
    (result) => resultResponse(id, result),
    (error: unknown) => {
      const { code, message, data } = toErrorObject(error, kernel.options.maskErrorDetails);
      return errorResponse(id, code, message, data);
    },
  );
}

/**
 * A class so that `signal`, `headers` and `notify` stay lazy prototype getters (see IncomingExtra
 * in the engine): a transport may make each only when read (HTTP copies its headers then).
 */
class ExchangeInput implements DispatchInput {
  readonly request: JSONRPCRequest;
  readonly session: SessionState;
  private readonly options: ExchangeOptions;

  constructor(request: JSONRPCRequest, options: ExchangeOptions) {
    this.request = request;
    this.options = options;
    this.session = statelessState(options);
  }

  get signal(): AbortSignal {
    return this.options.signal;
  }

  get headers(): Record<string, string> | undefined {
    return this.options.headers;
  }

  get notify(): DispatchInput["notify"] {
    return this.options.notify;
  }
}
