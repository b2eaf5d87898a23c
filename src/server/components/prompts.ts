/** Prompts: options and the entry built at registration (calls.ts renders one). */

import type { Prompt, PromptArgument } from "../../protocol/types.js";
import { type CompiledSchema, compileSchema } from "../../schema/compile.js";
import type { InferArgs, SchemaInput } from "../../schema/standard.js";
import type { Context } from "../context.js";
import {
  type CommonComponentOptions,
  checkAuthOption,
  checkComponentName,
  checkTags,
  type Entry,
  metaWithTags,
} from "./registry.js";
import type { Completer } from "./resources.js";

export type PromptHandler<Args = Record<string, string>> = (args: Args, ctx: Context) => unknown;

export interface PromptOptions<S extends SchemaInput | undefined = SchemaInput | undefined>
  extends CommonComponentOptions {
  /** The arguments, as a Standard Schema or JSON Schema of an object whose properties are strings. */
  argsSchema?: S;
  /** A completer per argument, for `completion/complete`. */
  complete?: Record<string, Completer>;
}

export interface PromptDefinition<S extends SchemaInput | undefined = SchemaInput | undefined>
  extends PromptOptions<S> {
  name: string;
  handler: PromptHandler<S extends SchemaInput ? InferArgs<S> : Record<string, never>>;
}

export interface PromptEntry extends Entry<Prompt> {
  /** Any prompt's handler; called with the arguments its schema validated. */
  handler: PromptHandler<never>;
  args: CompiledSchema | undefined;
  options: PromptOptions;
}

function argumentsOf(args: CompiledSchema): PromptArgument[] {
  const properties = (args.json.properties ?? {}) as Record<string, { description?: string; title?: string }>;
  const required = new Set((args.json.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => {
    const argument: PromptArgument = { name };
    if (property.title !== undefined) argument.title = property.title;
    if (property.description !== undefined) argument.description = property.description;
    argument.required = required.has(name);
    return argument;
  });
}

export function buildPromptEntry(
  name: string,
  options: PromptOptions,
  handler: PromptHandler<never>,
): PromptEntry | Promise<PromptEntry> {
  checkComponentName("prompt", name);
  if (typeof handler !== "function") throw new TypeError(`Prompt ${name} needs a handler function`);
  const tags = checkTags(`Prompt ${name}`, options.tags);
  const auth = checkAuthOption(`Prompt ${name}`, options.auth);
  const args = options.argsSchema === undefined ? undefined : compileSchema(options.argsSchema, "input");
  const assemble = (compiled: CompiledSchema | undefined): PromptEntry => {
    const wire: Prompt = { name };
    if (options.title !== undefined) wire.title = options.title;
    if (options.description !== undefined) wire.description = options.description;
    if (compiled) wire.arguments = argumentsOf(compiled);
    if (options.icons !== undefined) wire.icons = options.icons;
    const meta = metaWithTags(options._meta, tags);
    if (meta !== undefined) wire._meta = meta;
    for (const key of Object.keys(options.complete ?? {})) {
      if (!wire.arguments?.some((argument) => argument.name === key)) {
        throw new TypeError(`Prompt ${name} has no argument ${key} to complete`);
      }
    }
    return {
      key: name,
      enabled: options.enabled ?? true,
      wire,
      tags,
      auth,
      handler,
      args: compiled,
      options,
    };
  };
  return args instanceof Promise ? args.then(assemble) : assemble(args);
}
