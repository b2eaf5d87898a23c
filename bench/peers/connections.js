// In-memory connections to the peer frameworks (bench/peers/servers/*.js), each through the
// in-process API the framework documents, returning the stack interface of bench/stacks.js:
//   { call(): Promise<void>, close(): Promise<void>, protocolVersion, era }
// Every call checks its answer. Lives in bench/peers/ so that its imports resolve to the pinned
// packages of bench/peers/node_modules.
//   tmcp:     McpServer.receive(message) (what its transports call), after initialize
//   mcp-lite: its StreamableHttpTransport handler, Request -> Response, stateless (no stdio transport)
//   punkpeye: server.connect(transport) with the official SDK v1's InMemoryTransport and Client
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";

const ARGS = { a: 20, b: 22 };
const CLIENT_INFO = { name: "bench-client", version: "1.0.0" };

function check(text, id) {
  if (text !== "42") throw new Error(`${id}: add returned ${JSON.stringify(text)}, expected 42`);
}

export async function tmcpInMemory(id) {
  const { createServer } = await import("./servers/tmcp.js");
  const server = createServer();
  let next = 0;
  const init = await server.receive({
    jsonrpc: "2.0",
    id: ++next,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: CLIENT_INFO },
  });
  const protocolVersion = init?.result?.protocolVersion;
  if (!protocolVersion) throw new Error(`${id}: initialize failed: ${JSON.stringify(init)}`);
  await server.receive({ jsonrpc: "2.0", method: "notifications/initialized" });
  return {
    call: async () => {
      const reply = await server.receive({
        jsonrpc: "2.0",
        id: ++next,
        method: "tools/call",
        params: { name: "add", arguments: ARGS },
      });
      check(reply?.result?.content?.[0]?.text, id);
    },
    close: async () => {},
    protocolVersion,
    era: "legacy",
  };
}

/** The JSON-RPC response in a Response: a JSON body, or the data of an SSE body's message. */
async function responseOf(response) {
  const text = await response.text();
  if (!String(response.headers.get("content-type")).startsWith("text/event-stream")) return JSON.parse(text);
  const data = text
    .split("\n")
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(5).trim())
    .join("");
  return JSON.parse(data);
}

export async function mcpLiteInMemory(id) {
  const { createHandler } = await import("./servers/mcp-lite.js");
  const handler = createHandler();
  let next = 0;
  let protocolVersion = "2025-06-18";
  const post = async (message) => {
    const response = await handler(
      new Request("http://127.0.0.1/mcp", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": protocolVersion,
        },
        body: JSON.stringify(message),
      }),
    );
    return responseOf(response);
  };
  const init = await post({
    jsonrpc: "2.0",
    id: ++next,
    method: "initialize",
    params: { protocolVersion, capabilities: {}, clientInfo: CLIENT_INFO },
  });
  protocolVersion = init?.result?.protocolVersion;
  if (!protocolVersion) throw new Error(`${id}: initialize failed: ${JSON.stringify(init)}`);
  return {
    call: async () => {
      const reply = await post({
        jsonrpc: "2.0",
        id: ++next,
        method: "tools/call",
        params: { name: "add", arguments: ARGS },
      });
      check(reply?.result?.content?.[0]?.text, id);
    },
    close: async () => {},
    protocolVersion,
    era: "legacy",
  };
}

export async function punkpeyeInMemory(id) {
  const { createServer } = await import("./servers/punkpeye-fastmcp.js");
  const server = createServer();
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  let protocolVersion;
  clientSide.setProtocolVersion = (version) => {
    protocolVersion = version;
  };
  const client = new Client(CLIENT_INFO);
  const [session] = await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  return {
    call: async () => check((await client.callTool({ name: "add", arguments: ARGS })).content[0]?.text, id),
    close: async () => {
      await client.close();
      await session?.close?.().catch(() => {});
      await server.stop().catch(() => {});
    },
    protocolVersion,
    era: "legacy",
  };
}
