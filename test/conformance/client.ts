/**
 * The conformance client: what `@modelcontextprotocol/conformance client --command` runs as
 * `CMD <url>`, with the scenario in MCP_CONFORMANCE_SCENARIO, the wire version in
 * MCP_CONFORMANCE_PROTOCOL_VERSION and scenario data in MCP_CONFORMANCE_CONTEXT (JSON).
 * It uses fastmcp-ts's Client the way a user would: automatic version negotiation, handlers for
 * sampling, elicitation and roots, and then whatever the scenario's mock server expects to see.
 *
 * Run: `node --import tsx test/conformance/client.ts http://localhost:PORT/mcp`.
 */
import { OAuth } from "../../src/auth/client/index.js";
import { Client, type Prompt, type Tool } from "../../src/index.js";

interface ToolCall {
  name: string;
  arguments?: Record<string, unknown>;
}

const url = process.argv[2];
const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? "";
const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? "{}") as {
  toolCalls?: ToolCall[];
  /** auth/pre-registration: the credentials registered beforehand. */
  client_id?: string;
  client_secret?: string;
};

/** The client ID metadata document URL the suite's auth/basic-cimd scenario expects. */
const CLIENT_METADATA_URL = "https://conformance-test.local/client-metadata.json";

/**
 * The suite's mock authorization server approves at once: the "browser" is a request to the
 * authorization URL, and the callback URL is where it redirects.
 */
async function followAuthorization(authorizationUrl: string): Promise<string> {
  const response = await fetch(authorizationUrl, { redirect: "manual" });
  await response.body?.cancel();
  const location = response.headers.get("location");
  if (response.status < 300 || response.status >= 400 || !location)
    throw new Error(`the authorization endpoint answered HTTP ${response.status} without a redirect`);
  return new URL(location, authorizationUrl).href;
}

function oauth(): OAuth {
  return new OAuth({
    clientName: "fastmcp-ts-conformance-client",
    clientMetadataUrl: CLIENT_METADATA_URL,
    redirectUri: "http://localhost:3000/callback",
    redirectHandler: followAuthorization,
    ...(context.client_id && { clientId: context.client_id }),
    ...(context.client_secret && { clientSecret: context.client_secret }),
  });
}

/** A placeholder value for a JSON Schema, for calling a tool or prompt the mock server defines. */
function sample(schema: Record<string, any> | undefined): unknown {
  if (!schema) return "test";
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  switch (schema.type) {
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return true;
    case "array":
      return [];
    case "object":
      return sampleArgs(schema);
    default:
      return "test";
  }
}

function sampleArgs(schema: Record<string, any> | undefined): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  const properties = (schema?.properties ?? {}) as Record<string, Record<string, any>>;
  for (const name of (schema?.required ?? []) as string[]) args[name] = sample(properties[name]);
  return args;
}

function promptArgs(prompt: Prompt): Record<string, string> {
  const args: Record<string, string> = {};
  for (const argument of prompt.arguments ?? []) if (argument.required) args[argument.name] = "test";
  return args;
}

async function callTool(client: Client, name: string, args: Record<string, unknown>): Promise<void> {
  await client.callTool(name, args, { raiseOnError: false });
}

/** Lists and uses everything the server offers: tools, resources, prompts. */
async function exerciseEverything(client: Client): Promise<void> {
  const capabilities = client.serverCapabilities ?? {};
  const tools: Tool[] = capabilities.tools ? await client.listTools() : [];
  for (const tool of tools) await callTool(client, tool.name, sampleArgs(tool.inputSchema));
  if (capabilities.resources) {
    for (const resource of await client.listResources()) await client.readResource(resource.uri);
  }
  if (capabilities.prompts) {
    for (const prompt of await client.listPrompts()) await client.getPrompt(prompt.name, promptArgs(prompt));
  }
}

async function main(): Promise<void> {
  if (!url) throw new Error("usage: client.ts <server-url> (scenario in MCP_CONFORMANCE_SCENARIO)");
  const client = new Client(url, {
    clientInfo: { name: "fastmcp-ts-conformance-client", version: "1.0.0" },
    timeout: 20_000,
    // SEP-1034: accepting with no content lets the client fill in the schema's defaults.
    elicitation: () => ({
      action: "accept",
      content: scenario.startsWith("elicitation") ? {} : { confirmed: true },
    }),
    sampling: (request) => ({
      role: "assistant",
      content: { type: "text", text: `Answer to: ${JSON.stringify(request.messages.at(-1)?.content ?? "")}` },
      model: "conformance-model",
      stopReason: "endTurn",
    }),
    roots: [{ uri: "file:///test/root", name: "Test Root" }],
    ...(scenario.startsWith("auth/") && { auth: oauth() }),
  });
  await client.connect();
  try {
    if (context.toolCalls) {
      await client.listTools();
      for (const call of context.toolCalls) await callTool(client, call.name, call.arguments ?? {});
      return;
    }
    switch (scenario) {
      case "initialize":
        await client.listTools();
        return;
      case "tools_call": {
        const [tool] = await client.listTools();
        if (tool) await callTool(client, tool.name, { a: 2, b: 3 });
        return;
      }
      case "elicitation-sep1034-client-defaults":
        await client.listTools();
        await callTool(client, "test_client_elicitation_defaults", {});
        return;
      case "sse-retry":
        await client.listTools();
        await callTool(client, "test_reconnection", {});
        return;
      case "json-schema-2020-12-preservation": {
        const focal = (await client.listTools()).find((tool) => tool.name === "json_schema_2020_12_tool");
        if (!focal) throw new Error("json_schema_2020_12_tool is not listed");
        await callTool(client, "json_schema_echo", { schema: focal.inputSchema });
        return;
      }
      case "json-schema-ref-no-deref":
        // The scenario's server answers tools/list only: the check is that listing fetches no $ref.
        await client.listTools();
        return;
      case "sep-2322-client-request-state":
        await client.listTools();
        for (const name of ["test_mrtr_echo_state", "test_mrtr_unrelated", "test_mrtr_no_state"]) {
          await callTool(client, name, {});
        }
        await callTool(client, "test_mrtr_no_result_type", {}).catch(() => undefined);
        return;
      default:
        await exerciseEverything(client);
    }
  } finally {
    await client.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`conformance client (${scenario}): ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
