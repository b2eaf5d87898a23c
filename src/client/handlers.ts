/**
 * The client's answers to what a server asks of it: sampling, elicitation and roots. The same
 * handlers serve legacy server-to-client requests and 2026-07-28 input-required rounds.
 */
import { McpError } from "../errors.js";
import { ErrorCode } from "../protocol/codes.js";
import type { IncomingRequestExtra } from "../protocol/engine.js";
import type {
  ClientCapabilities,
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitResult,
  JSONRPCRequest,
  Result,
  Root,
} from "../protocol/types.js";

/** What an elicitation handler receives. */
export type ElicitationRequest =
  | { mode?: "form"; message: string; requestedSchema: Record<string, unknown> }
  | { mode: "url"; message: string; url: string };

export type ElicitationResponse =
  | { action: "accept"; data?: Record<string, unknown>; content?: Record<string, unknown> }
  | { action: "decline" }
  | { action: "cancel" };

export interface HandlerContext {
  /** Aborted when the server cancels its request. */
  signal: AbortSignal;
}

export type SamplingHandler = (
  request: CreateMessageRequestParams,
  ctx: HandlerContext,
) =>
  | string
  | Omit<CreateMessageResult, "resultType">
  | Promise<string | Omit<CreateMessageResult, "resultType">>;

export type ElicitationHandler = (
  request: ElicitationRequest,
  ctx: HandlerContext,
) => ElicitationResponse | Promise<ElicitationResponse>;

export type RootsOption = Root[] | (() => Root[] | Promise<Root[]>);

export interface ClientHandlers {
  sampling?: SamplingHandler;
  elicitation?: ElicitationHandler;
  roots?: RootsOption;
}

/** The capabilities a client declares, from the handlers it was given. */
export function clientCapabilitiesFor(handlers: ClientHandlers): ClientCapabilities {
  const capabilities: ClientCapabilities = {};
  if (handlers.sampling) capabilities.sampling = {};
  if (handlers.elicitation) capabilities.elicitation = { form: {}, url: {} };
  if (handlers.roots) capabilities.roots = { listChanged: true };
  return capabilities;
}

/** Fills in the requested schema's defaults for fields an accepting handler left out. */
export function withDefaults(
  schema: Record<string, unknown> | undefined,
  data: Record<string, unknown>,
): Record<string, unknown> {
  const properties = (schema?.properties ?? {}) as Record<string, { default?: unknown }>;
  const filled = { ...data };
  for (const [name, property] of Object.entries(properties)) {
    if (filled[name] === undefined && property?.default !== undefined) filled[name] = property.default;
  }
  return filled;
}

export async function sample(
  handler: SamplingHandler | undefined,
  params: CreateMessageRequestParams,
  ctx: HandlerContext,
) {
  if (!handler) throw new McpError(ErrorCode.MethodNotFound, "This client does not support sampling");
  const answer = await handler(params, ctx);
  if (typeof answer === "string") {
    return {
      role: "assistant",
      content: { type: "text", text: answer },
      model: "unknown",
      stopReason: "endTurn",
    };
  }
  return answer;
}

export async function elicit(
  handler: ElicitationHandler | undefined,
  params: ElicitationRequest,
  ctx: HandlerContext,
) {
  if (!handler) throw new McpError(ErrorCode.MethodNotFound, "This client does not support elicitation");
  const answer = await handler(params, ctx);
  if (answer.action !== "accept" || params.mode === "url")
    return { action: answer.action } satisfies ElicitResult;
  const data = answer.data ?? answer.content ?? {};
  const requested = "requestedSchema" in params ? params.requestedSchema : undefined;
  return { action: "accept", content: withDefaults(requested, data) } as ElicitResult;
}

export async function listRoots(option: RootsOption | undefined): Promise<{ roots: Root[] }> {
  if (!option) throw new McpError(ErrorCode.MethodNotFound, "This client does not expose roots");
  return { roots: typeof option === "function" ? await option() : option };
}

/** Answers a legacy server-to-client request. */
export async function answerServerRequest(
  request: JSONRPCRequest,
  extra: IncomingRequestExtra,
  handlers: ClientHandlers,
): Promise<Result> {
  const ctx: HandlerContext = { signal: extra.signal };
  const params: unknown = request.params ?? {};
  switch (request.method) {
    case "ping":
      return {};
    case "sampling/createMessage":
      return (await sample(handlers.sampling, params as CreateMessageRequestParams, ctx)) as Result;
    case "elicitation/create":
      return (await elicit(handlers.elicitation, params as ElicitationRequest, ctx)) as Result;
    case "roots/list":
      return listRoots(handlers.roots);
    default:
      throw new McpError(ErrorCode.MethodNotFound, `Method not found: ${request.method}`);
  }
}

/** Fulfils the `inputRequests` of a 2026-07-28 input-required result with the client's handlers. */
export async function fulfilInputRequests(
  inputRequests: unknown,
  handlers: ClientHandlers,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  if (inputRequests === undefined) return {};
  if (typeof inputRequests !== "object" || inputRequests === null || Array.isArray(inputRequests)) {
    throw new McpError(ErrorCode.InvalidParams, "The server sent malformed inputRequests");
  }
  const ctx: HandlerContext = { signal };
  const entries = Object.entries(inputRequests as Record<string, { method?: unknown; params?: unknown }>);
  const answers = await Promise.all(
    entries.map(async ([key, request]) => {
      const params: unknown = request?.params ?? {};
      switch (request?.method) {
        case "sampling/createMessage":
          return [key, await sample(handlers.sampling, params as CreateMessageRequestParams, ctx)] as const;
        case "elicitation/create":
          return [key, await elicit(handlers.elicitation, params as ElicitationRequest, ctx)] as const;
        case "roots/list":
          return [key, await listRoots(handlers.roots)] as const;
        default:
          throw new McpError(
            ErrorCode.InvalidParams,
            `The server asked for unknown input ${String(request?.method)}`,
          );
      }
    }),
  );
  return Object.fromEntries(answers);
}
