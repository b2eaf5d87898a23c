/**
 * The conformance fixture server: every tool, resource and prompt that the server scenarios of
 * `@modelcontextprotocol/conformance` (0.1.x and 0.2.0-alpha) call, written with fastmcp-ts the
 * way a user would. Names, texts and `inputRequests` keys are the ones the scenarios hard-code
 * (see the suite's src/scenarios/server/ and examples/servers/typescript/everything-server.ts).
 *
 * Run standalone: `npx tsx test/conformance/server.ts [port]` (prints the URL).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import {
  type Context,
  type ElicitOutcome,
  ErrorCode,
  FastMCP,
  McpError,
  type Root,
  ToolError,
} from "../../src/index.js";

/** A 1x1 red PNG. */
export const TEST_IMAGE_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/** A minimal WAV file. */
export const TEST_AUDIO_BASE64 = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

/** SEP-1613 / SEP-2106: a raw JSON Schema 2020-12 that tools/list must repeat keyword for keyword. */
export const JSON_SCHEMA_2020_12_INPUT_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  $defs: {
    address: {
      $anchor: "addressDef",
      type: "object",
      properties: { street: { type: "string" }, city: { type: "string" } },
    },
  },
  properties: {
    name: { type: "string" },
    address: { $ref: "#/$defs/address" },
    contactMethod: { type: "string", enum: ["phone", "email"] },
    phone: { type: "string" },
    email: { type: "string" },
  },
  allOf: [{ anyOf: [{ required: ["phone"] }, { required: ["email"] }] }],
  if: { properties: { contactMethod: { const: "phone" } }, required: ["contactMethod"] },
  // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword, not a thenable (not callable)
  then: { required: ["phone"] },
  else: { required: ["email"] },
  additionalProperties: false,
} as const;

// The three ways to ask the client for input, with the `{ inputKey }` option of API.md that names
// the request inside a 2026-07-28 `inputRequests` map (the scenarios hard-code those keys).
type Schema = Record<string, unknown>;
interface InputKey {
  inputKey?: string;
}
function elicit(ctx: Context, message: string, schema: Schema, options: InputKey): Promise<ElicitOutcome> {
  const withKey = ctx.elicit.bind(ctx) as (m: string, s: Schema, o: InputKey) => Promise<ElicitOutcome>;
  return withKey(message, schema, options);
}
function listRoots(ctx: Context, options: InputKey): Promise<Root[]> {
  const withKey = ctx.listRoots.bind(ctx) as (o: InputKey) => Promise<Root[]>;
  return withKey(options);
}

function stringSchema(field: string): Schema {
  return { type: "object", properties: { [field]: { type: "string" } }, required: [field] };
}
const CONFIRM_SCHEMA: Schema = {
  type: "object",
  properties: { ok: { type: "boolean" } },
  required: ["ok"],
};

const TASK_CONFIRM_SCHEMA: Schema = {
  type: "object",
  properties: { confirm: { type: "boolean" } },
  required: ["confirm"],
};

function field(outcome: ElicitOutcome, name: string): string {
  if (outcome.action !== "accept") return "unknown";
  const value = outcome.data[name];
  return typeof value === "string" ? value : "unknown";
}

function describeOutcome(outcome: ElicitOutcome): string {
  return `action=${outcome.action}, content=${JSON.stringify(outcome.action === "accept" ? outcome.data : {})}`;
}

export function createConformanceServer(): FastMCP {
  const mcp = new FastMCP({ name: "fastmcp-ts-conformance-server", version: "1.0.0" });

  // ===== Tools: content types =====
  mcp.tool("test_simple_text", { description: "Tests simple text content response" }, () => ({
    content: [{ type: "text", text: "This is a simple text response for testing." }],
  }));
  mcp.tool("test_image_content", { description: "Tests image content response" }, () => [
    { type: "image", data: TEST_IMAGE_BASE64, mimeType: "image/png" },
  ]);
  mcp.tool("test_audio_content", { description: "Tests audio content response" }, () => [
    { type: "audio", data: TEST_AUDIO_BASE64, mimeType: "audio/wav" },
  ]);
  mcp.tool("test_embedded_resource", { description: "Tests embedded resource content response" }, () => [
    {
      type: "resource",
      resource: {
        uri: "test://embedded-resource",
        mimeType: "text/plain",
        text: "This is an embedded resource content.",
      },
    },
  ]);
  mcp.tool(
    "test_multiple_content_types",
    { description: "Tests response with multiple content types (text, image, resource)" },
    () => [
      { type: "text", text: "Multiple content types test:" },
      { type: "image", data: TEST_IMAGE_BASE64, mimeType: "image/png" },
      {
        type: "resource",
        resource: {
          uri: "test://mixed-content-resource",
          mimeType: "application/json",
          text: JSON.stringify({ test: "data", value: 123 }),
        },
      },
    ],
  );

  // ===== Tools: notifications during the call, errors =====
  mcp.tool(
    "test_tool_with_logging",
    { description: "Tests tool that emits log messages during execution" },
    async (_args, ctx) => {
      ctx.info("Tool execution started");
      await sleep(50);
      ctx.info("Tool processing data");
      await sleep(50);
      ctx.info("Tool execution completed");
      return "Tool with logging executed successfully";
    },
  );
  mcp.tool(
    "test_tool_with_progress",
    { description: "Tests tool that reports progress notifications" },
    async (_args, ctx) => {
      for (const step of [0, 50, 100]) {
        ctx.reportProgress(step, 100, `Completed step ${step} of 100`);
        if (step < 100) await sleep(50);
      }
      return "Progress reported";
    },
  );
  mcp.tool("test_error_handling", { description: "Tests error response handling" }, () => {
    throw new ToolError("This tool intentionally returns an error for testing");
  });
  mcp.tool(
    "test_reconnection",
    {
      description:
        "Tests SSE polling (SEP-1699): the reply is an SSE stream whose result arrives after a short delay.",
    },
    async (_args, ctx) => {
      // A log line before the result turns the reply into an SSE stream (priming event first).
      ctx.info("test_reconnection started");
      await sleep(100);
      return "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.";
    },
  );

  // ===== Tools: asking the client (legacy server-to-client requests, 2026 input-required rounds) =====
  mcp.tool(
    "test_sampling",
    {
      description: "Tests server-initiated sampling (LLM completion request)",
      inputSchema: z.object({ prompt: z.string().describe("The prompt to send to the LLM") }),
    },
    async ({ prompt }, ctx) => {
      const result = await ctx.sample(prompt, { maxTokens: 100 });
      return `LLM response: ${result.text || "No response"}`;
    },
  );
  mcp.tool(
    "test_elicitation",
    {
      description: "Tests server-initiated elicitation (user input request)",
      inputSchema: z.object({ message: z.string().describe("The message to show the user") }),
    },
    async ({ message }, ctx) => {
      const outcome = await ctx.elicit(message, {
        type: "object",
        properties: {
          username: { type: "string", description: "User's response" },
          email: { type: "string", description: "User's email address" },
        },
        required: ["username", "email"],
      });
      return `User response: ${describeOutcome(outcome)}`;
    },
  );
  mcp.tool(
    "test_elicitation_sep1034_defaults",
    { description: "Tests elicitation with default values per SEP-1034" },
    async (_args, ctx) => {
      const outcome = await ctx.elicit("Please review and update the form fields with defaults", {
        type: "object",
        properties: {
          name: { type: "string", description: "User name", default: "John Doe" },
          age: { type: "integer", description: "User age", default: 30 },
          score: { type: "number", description: "User score", default: 95.5 },
          status: {
            type: "string",
            description: "User status",
            enum: ["active", "inactive", "pending"],
            default: "active",
          },
          verified: { type: "boolean", description: "Verification status", default: true },
        },
        required: [],
      });
      return `Elicitation completed: ${describeOutcome(outcome)}`;
    },
  );
  mcp.tool(
    "test_elicitation_sep1330_enums",
    { description: "Tests elicitation with enum schema improvements per SEP-1330" },
    async (_args, ctx) => {
      const outcome = await ctx.elicit("Please select options from the enum fields", {
        type: "object",
        properties: {
          untitledSingle: {
            type: "string",
            description: "Select one option",
            enum: ["option1", "option2", "option3"],
          },
          titledSingle: {
            type: "string",
            description: "Select one option with titles",
            oneOf: [
              { const: "value1", title: "First Option" },
              { const: "value2", title: "Second Option" },
              { const: "value3", title: "Third Option" },
            ],
          },
          legacyEnum: {
            type: "string",
            description: "Select one option (legacy)",
            enum: ["opt1", "opt2", "opt3"],
            enumNames: ["Option One", "Option Two", "Option Three"],
          },
          untitledMulti: {
            type: "array",
            description: "Select multiple options",
            minItems: 1,
            maxItems: 3,
            items: { type: "string", enum: ["option1", "option2", "option3"] },
          },
          titledMulti: {
            type: "array",
            description: "Select multiple options with titles",
            minItems: 1,
            maxItems: 3,
            items: {
              anyOf: [
                { const: "value1", title: "First Choice" },
                { const: "value2", title: "Second Choice" },
                { const: "value3", title: "Third Choice" },
              ],
            },
          },
        },
        required: [],
      });
      return `Elicitation completed: ${describeOutcome(outcome)}`;
    },
  );

  // SEP-2322 input-required rounds (2026-07-28); the same handlers work over a legacy session.
  mcp.tool(
    "test_input_required_result_elicitation",
    { description: "MRTR: asks for the user's name through elicitation, then greets them" },
    async (_args, ctx) => {
      const outcome = await elicit(ctx, "What is your name?", stringSchema("name"), {
        inputKey: "user_name",
      });
      return `Hello, ${field(outcome, "name")}!`;
    },
  );
  mcp.tool(
    "test_input_required_result_sampling",
    { description: "MRTR: asks the client's model a question through sampling" },
    async (_args, ctx) => {
      const result = await ctx.sample("What is the capital of France?", {
        maxTokens: 100,
        inputKey: "capital_question",
      });
      return `Sampling response: ${result.text}`;
    },
  );
  mcp.tool(
    "test_input_required_result_list_roots",
    { description: "MRTR: asks the client for its roots" },
    async (_args, ctx) => {
      const roots = await listRoots(ctx, { inputKey: "client_roots" });
      return `Roots: ${roots.map((root) => root.uri).join(", ") || "(none)"}`;
    },
  );
  mcp.tool(
    "test_input_required_result_request_state",
    { description: "MRTR: asks for a confirmation; the round trip carries requestState" },
    async (_args, ctx) => {
      const outcome = await elicit(ctx, "Please confirm", CONFIRM_SCHEMA, { inputKey: "confirm" });
      return `state-ok: confirmation ${outcome.action}`;
    },
  );
  mcp.tool(
    "test_input_required_result_multiple_inputs",
    { description: "MRTR: asks for elicitation, sampling and roots in one round" },
    async (_args, ctx) => {
      const [name, greeting, roots] = await Promise.all([
        elicit(ctx, "What is your name?", stringSchema("name"), { inputKey: "user_name" }),
        ctx.sample("Generate a greeting", { maxTokens: 50, inputKey: "greeting" }),
        listRoots(ctx, { inputKey: "client_roots" }),
      ]);
      return `Received all inputs: name=${field(name, "name")}, greeting=${greeting.text}, roots=${roots.length}`;
    },
  );
  mcp.tool(
    "test_input_required_result_multi_round",
    { description: "MRTR: asks two questions in two rounds" },
    async (_args, ctx) => {
      const first = await elicit(ctx, "Step 1: What is your name?", stringSchema("name"), {
        inputKey: "step1",
      });
      const second = await elicit(ctx, "Step 2: What is your favorite color?", stringSchema("color"), {
        inputKey: "step2",
      });
      return `Multi-round complete for ${field(first, "name")} who likes ${field(second, "color")}`;
    },
  );
  mcp.tool(
    "test_input_required_result_tampered_state",
    { description: "MRTR: integrity-protected requestState; a tampered one is rejected" },
    async (_args, ctx) => {
      await elicit(ctx, "Please confirm", CONFIRM_SCHEMA, { inputKey: "confirm" });
      return "integrity-ok: state verified";
    },
  );
  mcp.tool(
    "test_input_required_result_capabilities",
    { description: "MRTR: asks only for what the client declared it can answer" },
    async (_args, ctx) => {
      const asks: Promise<string>[] = [];
      if (ctx.clientCapabilities.elicitation) {
        asks.push(
          elicit(ctx, "Elicitation input", stringSchema("value"), { inputKey: "elicit_input" }).then(
            () => "elicit_input",
          ),
        );
      }
      if (ctx.clientCapabilities.sampling) {
        asks.push(
          ctx
            .sample("Sample request", { maxTokens: 50, inputKey: "sample_input" })
            .then(() => "sample_input"),
        );
      }
      if (asks.length === 0) return "No supported capabilities declared";
      return `capabilities-ok: received ${(await Promise.all(asks)).join(",")}`;
    },
  );
  mcp.prompt(
    "test_input_required_result_prompt",
    { description: "MRTR: a prompt that asks the user for context first" },
    async (_args, ctx) => {
      const outcome = await elicit(ctx, "What context should the prompt use?", stringSchema("context"), {
        inputKey: "user_context",
      });
      return `Use this context: ${field(outcome, "context")}`;
    },
  );

  // ===== Tools: SEP-2575 (server-stateless) diagnostics =====
  mcp.tool(
    "test_missing_capability",
    { description: "Needs the client's sampling capability" },
    async (_args, ctx) => (await ctx.sample("Say something", { maxTokens: 10 })).text,
  );
  mcp.tool(
    "test_streaming_elicitation",
    {
      description: "Reports progress, then asks for input: the request stream carries no independent request",
    },
    async (_args, ctx) => {
      ctx.reportProgress(50, 100, "halfway");
      const outcome = await elicit(ctx, "Continue?", CONFIRM_SCHEMA, { inputKey: "continue" });
      return `Streaming complete: ${outcome.action}`;
    },
  );
  mcp.tool(
    "test_logging_tool",
    { description: "Logs at info level (only if the client asked for logs)" },
    (_a, ctx) => {
      ctx.info("Diagnostic trace logging activated");
      return "Logging evaluated";
    },
  );
  const dynamicTool = mcp.tool(
    "test_dynamic_tool",
    { description: "Toggled by test_trigger_tool_change", enabled: false },
    () => "dynamic",
  );
  const dynamicPrompt = mcp.prompt(
    "test_dynamic_prompt",
    { description: "Toggled by test_trigger_prompt_change", enabled: false },
    () => "dynamic",
  );
  mcp.tool("test_trigger_tool_change", { description: "Changes the tool list" }, () => {
    if (dynamicTool.enabled) dynamicTool.disable();
    else dynamicTool.enable();
    return "Mutation triggered";
  });
  mcp.tool("test_trigger_prompt_change", { description: "Changes the prompt list" }, () => {
    if (dynamicPrompt.enabled) dynamicPrompt.disable();
    else dynamicPrompt.enable();
    return "Mutation triggered";
  });

  // ===== Tools: SEP-1613 JSON Schema 2020-12 =====
  mcp.tool(
    "json_schema_2020_12_tool",
    {
      description: "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)",
      inputSchema: JSON_SCHEMA_2020_12_INPUT_SCHEMA,
    },
    (args) => `JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`,
  );

  // ===== Tools: SEP-2243 custom Mcp-Param headers =====
  mcp.tool(
    "test_custom_header",
    {
      description: "Mirrors its region argument into the Mcp-Param-Region header",
      inputSchema: {
        type: "object",
        properties: { region: { type: "string", "x-mcp-header": "Region", description: "A region name" } },
        required: ["region"],
      },
    },
    ({ region }) => `Region: ${String(region)}`,
  );

  // ===== Tools: the tasks extension's fixtures (SEP-2663) =====
  mcp.tool(
    "greet",
    { description: "Says hello (sync-only)", inputSchema: z.object({ name: z.string().default("World") }) },
    ({ name }) => `Hello, ${name}!`,
  );
  mcp.tool(
    "slow_compute",
    {
      description:
        "Sleeps for the given number of seconds, then answers (a task when the client takes tasks)",
      inputSchema: z.object({ seconds: z.number().min(0).max(120).default(1), label: z.string().optional() }),
      task: true,
    },
    async ({ seconds }, ctx) => {
      await sleep(seconds * 1000, undefined, { signal: ctx.signal });
      return `Computed after ${seconds}s`;
    },
  );
  mcp.tool(
    "failing_job",
    { description: "Fails with a tool error after about a second (task required)", task: "required" },
    async (_args, ctx) => {
      await sleep(1000, undefined, { signal: ctx.signal });
      throw new ToolError("failing_job failed on purpose");
    },
  );
  mcp.tool(
    "protocol_error_job",
    { description: "Fails with a protocol error (a task when the client takes tasks)", task: true },
    () => {
      throw new McpError(ErrorCode.InternalError, "protocol_error_job failed on purpose");
    },
  );
  mcp.tool(
    "confirm_delete",
    {
      description: "Asks for confirmation before deleting (a task when the client takes tasks)",
      inputSchema: z.object({ filename: z.string().default("mrtr-input.txt") }),
      task: true,
    },
    async ({ filename }, ctx) => {
      const outcome = await elicit(ctx, `Delete ${filename}?`, TASK_CONFIRM_SCHEMA, { inputKey: "confirm" });
      const ok = outcome.action === "accept" && outcome.data.confirm === true;
      return ok ? `Deleted ${filename}` : `Kept ${filename}`;
    },
  );
  mcp.tool(
    "multi_input",
    { description: "Asks two questions at once (a task when the client takes tasks)", task: true },
    async (_args, ctx) => {
      const [first, second] = await Promise.all([
        elicit(ctx, "First input?", stringSchema("name"), { inputKey: "first" }),
        elicit(ctx, "Second input?", stringSchema("name"), { inputKey: "second" }),
      ]);
      return `Got ${field(first, "name")} and ${field(second, "name")}`;
    },
  );
  mcp.tool(
    "test_tool_with_task",
    {
      description: "Asks for a name (input-required round), then works on it as a task",
      task: { mode: "required", manualStart: true },
    },
    async (_args, ctx) => {
      const outcome = await elicit(ctx, "What is your name?", stringSchema("name"), {
        inputKey: "user_name",
      });
      await ctx.startTask();
      await sleep(100, undefined, { signal: ctx.signal });
      return `Task finished for ${field(outcome, "name")}`;
    },
  );

  // ===== Resources =====
  mcp.resource(
    "test://static-text",
    {
      name: "static-text",
      title: "Static Text Resource",
      description: "A static text resource for testing",
      mimeType: "text/plain",
    },
    () => "This is the content of the static text resource.",
  );
  mcp.resource(
    "test://static-binary",
    {
      name: "static-binary",
      title: "Static Binary Resource",
      description: "A static binary resource (image) for testing",
      mimeType: "image/png",
    },
    () => Buffer.from(TEST_IMAGE_BASE64, "base64"),
  );
  mcp.resource(
    "test://template/{id}/data",
    {
      name: "template",
      title: "Resource Template",
      description: "A resource template with parameter substitution",
      mimeType: "application/json",
    },
    ({ id }) => ({ id, templateTest: true, data: `Data for ID: ${id}` }),
  );
  mcp.resource(
    "test://watched-resource",
    {
      name: "watched-resource",
      title: "Watched Resource",
      description: "A resource clients can subscribe to",
      mimeType: "text/plain",
    },
    () => "Watched resource content",
  );

  // ===== Prompts =====
  mcp.prompt(
    "test_simple_prompt",
    { title: "Simple Test Prompt", description: "A simple prompt without arguments" },
    () => "This is a simple prompt for testing.",
  );
  mcp.prompt(
    "test_prompt_with_arguments",
    {
      title: "Prompt With Arguments",
      description: "A prompt with required arguments",
      argsSchema: z.object({
        arg1: z.string().describe("First test argument"),
        arg2: z.string().describe("Second test argument"),
      }),
      complete: { arg1: (value) => ["paris", "park", "party"].filter((v) => v.startsWith(value)) },
    },
    ({ arg1, arg2 }) => `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`,
  );
  mcp.prompt(
    "test_prompt_with_embedded_resource",
    {
      title: "Prompt With Embedded Resource",
      description: "A prompt that includes an embedded resource",
      argsSchema: z.object({ resourceUri: z.string().describe("URI of the resource to embed") }),
    },
    ({ resourceUri }) => [
      {
        role: "user",
        content: {
          type: "resource",
          resource: {
            uri: resourceUri,
            mimeType: "text/plain",
            text: "Embedded resource content for testing.",
          },
        },
      },
      { role: "user", content: "Please process the embedded resource above." },
    ],
  );
  mcp.prompt(
    "test_prompt_with_image",
    { title: "Prompt With Image", description: "A prompt that includes image content" },
    () => [
      { role: "user", content: { type: "image", data: TEST_IMAGE_BASE64, mimeType: "image/png" } },
      { role: "user", content: "Please analyze the image above." },
    ],
  );

  return mcp;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? 0);
  const listening = await createConformanceServer().listen({ port });
  process.stdout.write(`${listening.url}\n`);
}
