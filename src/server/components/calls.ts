/**
 * Running a component for a request: a tool call (arguments validated, handler run, value
 * converted and checked against the output schema), a prompt rendered, a resource read. Only
 * requests reach this code: it loads with the dispatcher, not with registration.
 */

import { McpError, PromptError, ToolError, ValidationError, type ValidationIssue } from "../../errors.js";
import { ErrorCode } from "../../protocol/codes.js";
import type { CallToolResult, GetPromptResult, ResourceContents } from "../../protocol/types.js";
import type { CompiledSchema } from "../../schema/compile.js";
import type { Context } from "../context.js";
import { issuePath, mapArgs } from "./arg-mapping.js";
import { toCallToolResult, toPromptMessages, toResourceContents } from "./convert.js";
import type { PromptEntry, PromptHandler } from "./prompts.js";
import type { ResourceEntry, TemplateEntry } from "./resources.js";
import type { ToolEntry, ToolHandler } from "./tools.js";

export function formatIssues(issues: ValidationIssue[]): string {
  return issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join("; ");
}

export interface CallToolOptions {
  /** Hide the detail of unexpected exceptions from the client. */
  maskErrorDetails: boolean;
}

/** An `isError` tool result carrying `message`. */
export function errorResult(message: string): CallToolResult {
  return { content: [{ type: "text", text: message }], isError: true };
}

/**
 * Validates arguments, runs the handler and converts its value. Argument errors, ToolError and
 * unexpected exceptions become `isError` results; an McpError propagates as a JSON-RPC error. Not
 * async: the handler's own promise is handed on as it is (an async function returning it would
 * wrap it in one more, settled two turns later).
 */
export function callTool(
  entry: ToolEntry,
  rawArgs: unknown,
  ctx: Context,
  options: CallToolOptions,
): Promise<CallToolResult> {
  try {
    const checked = validateToolArgs(entry, rawArgs);
    if (checked instanceof Promise)
      return checked.then((outcome) =>
        outcome.ok ? runToolHandler(entry, outcome.args, ctx, options) : outcome.result,
      );
    return checked.ok ? runToolHandler(entry, checked.args, ctx, options) : Promise.resolve(checked.result);
  } catch (error) {
    return Promise.reject(error);
  }
}

type CheckedArgs = { ok: true; args: unknown } | { ok: false; result: CallToolResult };

/** Validates a call's arguments against the tool's compiled input schema (async only if the schema is). */
export function validateToolArgs(entry: ToolEntry, rawArgs: unknown): CheckedArgs | Promise<CheckedArgs> {
  const mapping = entry.transform;
  const args: unknown = mapping
    ? mapArgs(mapping, (rawArgs ?? {}) as Record<string, unknown>)
    : (rawArgs ?? {});
  if (!entry.input) return { ok: true, args };
  const checked = (outcome: Awaited<ReturnType<CompiledSchema["validate"]>>): CheckedArgs =>
    outcome.ok
      ? { ok: true, args: outcome.value }
      : {
          ok: false,
          result: errorResult(
            `Invalid arguments for tool ${entry.key}: ${formatIssues(
              mapping
                ? outcome.issues.map((issue) => ({ ...issue, path: issuePath(mapping, issue.path) }))
                : outcome.issues,
            )}`,
          ),
        };
  const outcome = entry.input.validate(args);
  return outcome instanceof Promise ? outcome.then(checked) : checked(outcome);
}

/** Runs the handler on validated arguments and converts its value (see `callTool`). */
export async function runToolHandler(
  entry: ToolEntry,
  args: unknown,
  ctx: Context,
  options: CallToolOptions,
): Promise<CallToolResult> {
  const name = entry.key;
  let value: unknown;
  try {
    value = (entry.handler as ToolHandler<unknown>)(args, ctx);
    if (value instanceof Promise) value = await value;
  } catch (error) {
    if (error instanceof ToolError) return errorResult(error.message);
    if (error instanceof ValidationError)
      return errorResult(`Invalid arguments for tool ${name}: ${error.message}`);
    if (error instanceof McpError) throw error;
    if (options.maskErrorDetails) return errorResult(`Error calling tool ${name}`);
    return errorResult(`Error calling tool ${name}: ${(error as Error)?.message ?? String(error)}`);
  }
  let result = toCallToolResult(value, entry.output ? { wrap: entry.wrapOutput } : undefined);
  if (result instanceof Promise) result = await result;
  if (entry.output && !result.isError) {
    const structured = entry.wrapOutput ? value : result.structuredContent;
    let outcome = entry.output.validate(structured);
    if (outcome instanceof Promise) outcome = await outcome;
    if (!outcome.ok) {
      return errorResult(
        `Tool ${name} returned output that does not match its outputSchema: ${formatIssues(outcome.issues)}`,
      );
    }
  }
  return result;
}

export async function renderPrompt(
  entry: PromptEntry,
  rawArgs: unknown,
  ctx: Context,
  maskErrorDetails: boolean,
): Promise<GetPromptResult> {
  let args: unknown = rawArgs ?? {};
  if (entry.args) {
    let outcome = entry.args.validate(args);
    if (outcome instanceof Promise) outcome = await outcome;
    if (!outcome.ok) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `Invalid arguments for prompt ${entry.key}: ${formatIssues(outcome.issues)}`,
        {
          issues: outcome.issues,
        },
      );
    }
    args = outcome.value;
  }
  let value: unknown;
  try {
    value = (entry.handler as PromptHandler<unknown>)(args, ctx);
    if (value instanceof Promise) value = await value;
  } catch (error) {
    if (error instanceof McpError) throw error;
    if (error instanceof PromptError) throw new McpError(ErrorCode.InternalError, error.message);
    const detail = maskErrorDetails ? "" : `: ${(error as Error)?.message ?? String(error)}`;
    throw new McpError(ErrorCode.InternalError, `Error rendering prompt ${entry.key}${detail}`);
  }
  const result: GetPromptResult = { messages: await toPromptMessages(value) };
  if (entry.options.description !== undefined) result.description = entry.options.description;
  return result;
}

export async function readStatic(entry: ResourceEntry, ctx: Context): Promise<ResourceContents[]> {
  let value = entry.handler(ctx);
  if (value instanceof Promise) value = await value;
  return toResourceContents(entry.key, value, entry.options.mimeType);
}

export async function readTemplate(
  entry: TemplateEntry,
  uri: string,
  params: Record<string, string>,
  ctx: Context,
): Promise<ResourceContents[]> {
  let value = entry.handler(params, ctx);
  if (value instanceof Promise) value = await value;
  return toResourceContents(uri, value, entry.options.mimeType);
}
