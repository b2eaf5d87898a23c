/**
 * What a handler's context asks of the client: input through elicitation, sampling and roots, in
 * either era. Loaded with the serving code, whose Context members (context-members.ts) call it.
 */
import { McpError } from "../errors.js";
import { ErrorCode } from "../protocol/codes.js";
import type {
  ClientCapabilities,
  CreateMessageResult,
  ElicitResult,
  Root,
  SamplingMessage,
} from "../protocol/types.js";
import { type CompiledSchema, compileSchema } from "../schema/compile.js";
import type { SchemaInput } from "../schema/standard.js";
import type { ElicitOutcome, RequestScope, SampleOptions, SampleResult } from "./context.js";
import { checkInputDepth } from "./depth.js";

/** `ctx.elicit`: form mode with a schema, or URL mode. */
export async function elicit(
  scope: RequestScope,
  message: string | { mode: "url"; message: string; url: string },
  schemaOrOptions?: SchemaInput | { inputKey?: string },
  maybeOptions?: { inputKey?: string },
): Promise<ElicitOutcome<Record<string, unknown>>> {
  const url = typeof message === "object";
  const options = (url ? schemaOrOptions : maybeOptions) as { inputKey?: string } | undefined;
  requireCapability({ elicitation: url ? { url: {} } : { form: {} } }, () => {
    const elicitation = scope.clientCapabilities.elicitation;
    if (!elicitation) return false;
    if (url) return elicitation.url !== undefined;
    // A client declaring `elicitation: {}` supports form mode, as in 2025-06-18.
    return elicitation.form !== undefined || elicitation.url === undefined;
  });
  let compiled: CompiledSchema | undefined;
  let params: Record<string, unknown>;
  if (url) {
    params = { mode: "url", message: message.message, url: message.url };
    if (scope.era === "legacy") params.elicitationId = crypto.randomUUID();
  } else {
    // Compiled synchronously when possible, so asks started together go out in call order.
    const pending = compiledElicitSchema(schemaOrOptions as SchemaInput | undefined);
    compiled = pending instanceof Promise ? await pending : pending;
    params = {
      mode: "form",
      message,
      requestedSchema: compiled?.json ?? { type: "object", properties: {} },
    };
    if (scope.era === "legacy" && scope.protocolVersion < "2025-11-25") delete params.mode;
  }
  const result = (await askClient(
    scope,
    "elicitation/create",
    params,
    options?.inputKey,
  )) as unknown as ElicitResult;
  if (result.action !== "accept") return { action: result.action === "decline" ? "decline" : "cancel" };
  // URL mode carries no data back: the user acted out of band.
  if (url) return { action: "accept", data: {} };
  const content = result.content ?? {};
  if (!compiled) return { action: "accept", data: content };
  let outcome = compiled.validate(content);
  if (outcome instanceof Promise) outcome = await outcome;
  if (!outcome.ok) {
    throw new McpError(
      ErrorCode.InvalidParams,
      `The client's elicitation answer does not match the requested schema: ${outcome.issues
        .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
        .join("; ")}`,
    );
  }
  return { action: "accept", data: outcome.value as Record<string, unknown> };
}

/** `ctx.sample`: asks the client's model for a completion. */
export async function sample(
  scope: RequestScope,
  prompt: string | SamplingMessage[],
  options: SampleOptions,
): Promise<SampleResult> {
  requireCapability({ sampling: {} }, () => scope.clientCapabilities.sampling !== undefined);
  const messages: SamplingMessage[] =
    typeof prompt === "string" ? [{ role: "user", content: { type: "text", text: prompt } }] : prompt;
  const { inputKey: _, maxTokens, ...rest } = options;
  const params: Record<string, unknown> = { messages, maxTokens: maxTokens ?? 512, ...rest };
  const result = (await askClient(
    scope,
    "sampling/createMessage",
    params,
    options.inputKey,
  )) as unknown as CreateMessageResult;
  const blocks = Array.isArray(result.content) ? result.content : [result.content];
  const text = blocks
    .filter((block): block is { type: "text"; text: string } => (block as { type?: string })?.type === "text")
    .map((block) => block.text)
    .join("\n");
  return {
    text,
    content: result.content,
    model: result.model,
    stopReason: result.stopReason,
    role: result.role,
  };
}

/** `ctx.listRoots`: the client's roots. */
export async function listRoots(scope: RequestScope, options: { inputKey?: string }): Promise<Root[]> {
  requireCapability({ roots: {} }, () => scope.clientCapabilities.roots !== undefined);
  const result = (await askClient(scope, "roots/list", {}, options.inputKey)) as { roots?: Root[] };
  return result.roots ?? [];
}

function requireCapability(capability: ClientCapabilities, declared: () => boolean): void {
  if (declared()) return;
  const name = Object.keys(capability)[0];
  throw new McpError(
    ErrorCode.MissingRequiredClientCapability,
    `This request needs the client capability "${name}", which the client did not declare`,
    { requiredCapabilities: capability },
  );
}

function askClient(
  scope: RequestScope,
  method: string,
  params: Record<string, unknown>,
  inputKey: string | undefined,
): Promise<Record<string, unknown>> {
  const { ask, request } = scope;
  if (ask) return ask(method, params, inputKey);
  if (!request) {
    if (scope.era === "modern") {
      throw new McpError(
        ErrorCode.InternalError,
        `${method} is only available in tools/call, prompts/get and resources/read handlers in protocol 2026-07-28`,
      );
    }
    throw new McpError(
      ErrorCode.InternalError,
      `${method} is not available on this request: the connection cannot carry server-to-client requests`,
    );
  }
  // A legacy answer is peer input the handler walks like arguments: bounded the same way (a
  // 2026-07-28 answer arrives in the request's params, checked with them).
  return request(method, params, scope.signal).then((result) => {
    checkInputDepth(result, `the client's answer to ${method}`);
    return result;
  });
}

const compiledSchemas = new WeakMap<object, CompiledSchema>();

/** Elicitation schemas are compiled once per schema object, not per call. */
function compiledElicitSchema(
  schema: SchemaInput | undefined,
): CompiledSchema | undefined | Promise<CompiledSchema | undefined> {
  if (schema === undefined) return undefined;
  const cached = compiledSchemas.get(schema);
  if (cached) return cached;
  const compiled = compileSchema(schema, "input");
  if (compiled instanceof Promise) {
    return compiled.then((ready) => {
      compiledSchemas.set(schema, ready);
      return ready;
    });
  }
  compiledSchemas.set(schema, compiled);
  return compiled;
}
