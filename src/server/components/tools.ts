/** Tools: registration options and the entry built once at registration (calls.ts calls one). */

import type { CallToolResult, Tool, ToolAnnotations } from "../../protocol/types.js";
import { type CompiledSchema, compileSchema } from "../../schema/compile.js";
import type { InferArgs, JSONSchema, SchemaInput, StandardSchemaV1 } from "../../schema/standard.js";
import type { Context } from "../context.js";
import type { ComponentHandle } from "./registration.js";
import {
  type CommonComponentOptions,
  checkAuthOption,
  checkComponentName,
  checkTags,
  type Entry,
  metaWithTags,
} from "./registry.js";

/**
 * A tool handler: receives validated arguments and the request context; sync or async. `Returns`
 * is what it may return (anything, unless the tool's `outputSchema` is a Standard Schema).
 */
// biome-ignore lint/suspicious/noExplicitAny: without a schema type, arguments are as a JSON Schema leaves them.
export type ToolHandler<Args = Record<string, any>, Returns = unknown> = (
  args: Args,
  ctx: Context,
) => Returns | Promise<Returns>;

/**
 * What a handler may return for output schema `O`: with a Standard Schema (zod, valibot, arktype),
 * a value of the schema's input type (checked at compile time, validated at run time) or a whole
 * `CallToolResult`; with a JSON Schema or none, anything.
 */
export type ToolReturn<O> = O extends StandardSchemaV1
  ? StandardSchemaV1.InferInput<O> | CallToolResult
  : unknown;

export interface ToolOptions<
  S extends SchemaInput | undefined = SchemaInput | undefined,
  O extends SchemaInput | undefined = SchemaInput | undefined,
> extends CommonComponentOptions {
  /** Any Standard Schema (zod, valibot, arktype) or a JSON Schema object with `type: "object"`. */
  inputSchema?: S;
  /**
   * Declares structured output. A non-object schema wraps the value as `{ result }`. With a Standard
   * Schema, the handler's return type is checked against it at compile time.
   */
  outputSchema?: O;
  annotations?: ToolAnnotations;
  /**
   * Runs the tool as a task of the 2026-07-28 tasks extension (`io.modelcontextprotocol/tasks`):
   * when the client declares the extension, `tools/call` answers at once with a task handle and the
   * handler runs in the background; the client polls `tasks/get`. `true` or `"optional"`: other
   * clients get the result synchronously; `"required"`: they get error -32021. See
   * {@link TaskToolOptions} for the task's time to live, polling interval and manual start.
   */
  task?: boolean | TaskMode | TaskToolOptions;
}

/** `"optional"`: a task when the client supports tasks, else a plain call; `"required"`: a task or -32021. */
export type TaskMode = "optional" | "required";

export interface TaskToolOptions {
  /** Default "optional". */
  mode?: TaskMode;
  /** How long the task is kept from its creation, in ms (null: no limit); the server's default otherwise. */
  ttlMs?: number | null;
  /** The polling interval suggested to clients, in ms; the server's default otherwise. */
  pollIntervalMs?: number;
  /**
   * Create the task only when the handler calls `ctx.startTask()`. Until then the call is an
   * ordinary one (it may ask for input through input-required rounds, or simply return); from then
   * on the client holds a task handle and the rest of the handler runs in the background.
   */
  manualStart?: boolean;
}

/** A tool's task options, resolved at registration. */
export interface TaskSettings {
  mode: TaskMode;
  ttlMs: number | null | undefined;
  pollIntervalMs: number | undefined;
  manualStart: boolean;
}

function taskSettings(name: string, option: ToolOptions["task"]): TaskSettings | undefined {
  if (option === undefined || option === false) return undefined;
  const options: TaskToolOptions =
    typeof option === "object" ? option : option === true ? {} : { mode: option };
  const mode = options.mode ?? "optional";
  if (mode !== "optional" && mode !== "required")
    throw new TypeError(`Tool ${name}: task mode must be "optional" or "required"`);
  const { ttlMs, pollIntervalMs } = options;
  if (ttlMs !== undefined && ttlMs !== null && !(Number.isInteger(ttlMs) && ttlMs > 0))
    throw new TypeError(`Tool ${name}: task ttlMs must be a positive integer (ms) or null`);
  if (pollIntervalMs !== undefined && !(Number.isInteger(pollIntervalMs) && pollIntervalMs > 0))
    throw new TypeError(`Tool ${name}: task pollIntervalMs must be a positive integer (ms)`);
  return { mode, ttlMs, pollIntervalMs, manualStart: options.manualStart === true };
}

/** Where a tool handle keeps its argument and output types (a type only, never a value). */
declare const TOOL_TYPES: unique symbol;

/**
 * The handle `mcp.tool()` returns. Besides enabling, updating or removing the tool, it carries the
 * tool's argument and output types, so `client.callTool(handle, args)` is typed end to end (for
 * a Client built from the server object, in tests).
 */
export interface ToolHandle<Args = Record<string, unknown>, Output = unknown>
  extends ComponentHandle<ToolOptions & { name: string; handler: ToolHandler<never> }> {
  readonly [TOOL_TYPES]?: { args: Args; output: Output };
}

/** The `.data` type of a tool with output schema `O`: the Standard Schema's output, else unknown. */
export type ToolOutput<O> = O extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<O> : unknown;

export interface ToolDefinition<
  S extends SchemaInput | undefined = SchemaInput | undefined,
  O extends SchemaInput | undefined = SchemaInput | undefined,
> extends ToolOptions<S, O> {
  name: string;
  handler: ToolHandler<S extends SchemaInput ? InferArgs<S> : Record<string, never>, ToolReturn<O>>;
}

export interface ToolEntry extends Entry<Tool> {
  /** Any tool's handler; called with the arguments its schema validated. */
  handler: ToolHandler<never>;
  input: CompiledSchema | undefined;
  output: CompiledSchema | undefined;
  /** The output schema is not an object: values travel as `{ result }`. */
  wrapOutput: boolean;
  options: ToolOptions;
  /** Set for task tools (the tasks extension). */
  task: TaskSettings | undefined;
  /** Set for a tool reshaped by `transformTool` with argument changes. */
  transform?: ArgumentMapping | undefined;
}

/**
 * How a transformed tool's arguments reach the original tool's validator and handler, built at
 * `transformTool` (tool-transform.ts); calls follow it with arg-mapping.ts.
 */
export interface ArgumentMapping {
  /** New argument name -> the original's. */
  readonly fromNew: ReadonlyMap<string, string>;
  /** Original argument name -> the new one. */
  readonly toNew: ReadonlyMap<string, string>;
  /** Original names a client cannot set directly: renamed away or hidden. */
  readonly claimed: ReadonlySet<string>;
  /** Defaults filled in when the client leaves the argument out, by original name. */
  readonly fills: readonly [string, unknown][];
  /** Values a hidden argument always gets, by original name. */
  readonly fixed: readonly [string, unknown][];
  /** The mapping of the tool this one transformed again, applied after this one. */
  readonly inner: ArgumentMapping | undefined;
}

const EMPTY_INPUT = { type: "object", properties: {} } as const;
const WRAP_KEY = "x-fastmcp-wrap-result";

function isObjectSchema(json: JSONSchema): boolean {
  return json.type === "object";
}

/** Builds the entry for a tool; returns a promise only when a schema library must load its converter. */
export function buildToolEntry(
  name: string,
  options: ToolOptions,
  handler: ToolHandler<never>,
): ToolEntry | Promise<ToolEntry> {
  checkComponentName("tool", name);
  if (typeof handler !== "function") throw new TypeError(`Tool ${name} needs a handler function`);
  const input = options.inputSchema === undefined ? undefined : compileSchema(options.inputSchema, "input");
  const output =
    options.outputSchema === undefined ? undefined : compileSchema(options.outputSchema, "output");
  if (input instanceof Promise || output instanceof Promise) {
    return Promise.all([input, output]).then(([i, o]) => assemble(name, options, handler, i, o));
  }
  return assemble(name, options, handler, input, output);
}

function assemble(
  name: string,
  options: ToolOptions,
  handler: ToolHandler<never>,
  input: CompiledSchema | undefined,
  output: CompiledSchema | undefined,
): ToolEntry {
  if (input && !isObjectSchema(input.json)) {
    throw new TypeError(`Tool ${name}: inputSchema must describe an object (type: "object")`);
  }
  const wire: Tool = { name, inputSchema: (input?.json as Tool["inputSchema"]) ?? { ...EMPTY_INPUT } };
  if (options.title !== undefined) wire.title = options.title;
  if (options.description !== undefined) wire.description = options.description;
  let wrapOutput = false;
  if (output) {
    wrapOutput = !isObjectSchema(output.json);
    wire.outputSchema = wrapOutput
      ? { type: "object", properties: { result: output.json }, required: ["result"], [WRAP_KEY]: true }
      : output.json;
  }
  if (options.annotations !== undefined) wire.annotations = options.annotations;
  if (options.icons !== undefined) wire.icons = options.icons;
  const tags = checkTags(`Tool ${name}`, options.tags);
  const meta = metaWithTags(options._meta, tags);
  if (meta !== undefined) wire._meta = meta;
  const task = taskSettings(name, options.task);
  return {
    key: name,
    enabled: options.enabled ?? true,
    wire,
    tags,
    auth: checkAuthOption(`Tool ${name}`, options.auth),
    handler,
    input,
    output,
    wrapOutput,
    options,
    task,
  };
}
