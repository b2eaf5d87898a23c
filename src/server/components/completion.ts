/** `completion/complete`: the completer a prompt argument or template variable was registered with. */
import type { AuthInfo } from "../../auth/types.js";
import { McpError, NotFoundError } from "../../errors.js";
import { ErrorCode } from "../../protocol/codes.js";
import type { Prompt, ResourceTemplate, Result } from "../../protocol/types.js";
import type { CompleteParams } from "../methods.js";
import type { PromptEntry } from "./prompts.js";
import type { Registry } from "./registry.js";
import type { Completer, TemplateEntry } from "./resources.js";

/** At most this many values are sent; `total` and `hasMore` tell the rest. */
const MAX_VALUES = 100;

export async function complete(
  prompts: Registry<PromptEntry, Prompt>,
  templates: Registry<TemplateEntry, ResourceTemplate>,
  params: CompleteParams,
  auth: AuthInfo | undefined,
): Promise<Result> {
  const ref = params.ref ?? {};
  const argument = params.argument ?? {};
  if (typeof argument.name !== "string") {
    throw new McpError(ErrorCode.InvalidParams, "completion/complete needs argument.name");
  }
  let completers: Record<string, Completer> | undefined;
  if (ref.type === "ref/prompt") {
    const entry = typeof ref.name === "string" ? prompts.getFor(ref.name, auth) : undefined;
    if (!entry) throw new NotFoundError("prompt", `Unknown prompt: ${ref.name}`);
    completers = entry.options.complete;
  } else if (ref.type === "ref/resource") {
    const entry = typeof ref.uri === "string" ? templates.getFor(ref.uri, auth) : undefined;
    if (!entry) throw new NotFoundError("template", `Unknown resource template: ${ref.uri}`);
    completers = entry.options.complete;
  } else {
    throw new McpError(
      ErrorCode.InvalidParams,
      'completion/complete ref.type must be "ref/prompt" or "ref/resource"',
    );
  }
  const completer = completers?.[argument.name];
  const values = completer
    ? await completer(String(argument.value ?? ""), { arguments: params.context?.arguments ?? {} })
    : [];
  const capped = values.slice(0, MAX_VALUES);
  return { completion: { values: capped, total: values.length, hasMore: values.length > capped.length } };
}
