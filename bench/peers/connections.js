// In-memory connections to the peer frameworks (bench/peers/servers/*.js), each through the
// in-process API the framework documents and a full MCP client, returning the stack interface of
// bench/stacks.js:
//   { call(): Promise<void>, close(): Promise<void>, protocolVersion, era }
// Every call checks its answer. Lives in bench/peers/ so that its imports resolve to the pinned
// packages of bench/peers/node_modules. tmcp and mcp-lite ship no client: they get the fastmcp-ts
// Client, as over stdio, so those rows differ from the fastmcp-ts row by server only.
//   tmcp:     fastmcp-ts Client -> McpServer.receive(message) (what its transports call), default
//             negotiation (tmcp answers server/discover: 2026-07-28)
//   mcp-lite: fastmcp-ts Client over Streamable HTTP whose fetch calls its StreamableHttpTransport
//             handler (Request -> Response, stateless; it has no stdio or in-memory transport)
//   punkpeye: server.connect(transport) with the official SDK v1's InMemoryTransport and Client
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { Client, ClientTransport, StreamableHttpTransport } from "../../dist/index.js";

const ARGS = { a: 20, b: 22 };
const CLIENT_INFO = { name: "bench-client", version: "1.0.0" };

function check(text, id) {
  if (text !== "42") throw new Error(`${id}: add returned ${JSON.stringify(text)}, expected 42`);
}

/**
 * A fastmcp-ts client transport into a tmcp server in the same process: each message goes to
 * `server.receive()` (what tmcp's own transports call) and its answer comes back. Server-initiated
 * messages are not routed (the bench's `add` tool sends none).
 */
class TmcpReceiveTransport extends ClientTransport {
  constructor(server) {
    super();
    this.server = server;
    this.context = { sessionInfo: {} };
  }

  describe() {
    return "in-memory tmcp server";
  }

  async open() {}

  send(message) {
    if (!("method" in message)) return;
    return this.server.receive(message, this.context).then((reply) => {
      if (reply) this.receive(reply);
    });
  }

  async close() {}
}

/** The fastmcp-ts Client (as over stdio) on `transport`; `options` pin a version where needed. */
async function openClient(id, transport, options = {}) {
  const client = new Client(transport, { clientInfo: CLIENT_INFO, ...options });
  await client.connect();
  return {
    call: async () => check((await client.callTool("add", ARGS)).text, id),
    close: () => client.close(),
    protocolVersion: client.protocolVersion,
    era: client.era,
  };
}

export async function tmcpInMemory(id) {
  const { createServer } = await import("./servers/tmcp.js");
  return openClient(id, new TmcpReceiveTransport(createServer()));
}

/**
 * mcp-lite's handler fed by the fastmcp-ts Streamable HTTP client transport through a `fetch` that
 * calls it directly (no socket). Pinned to 2025-06-18, mcp-lite's newest version.
 */
export async function mcpLiteInMemory(id) {
  const { createHandler } = await import("./servers/mcp-lite.js");
  const handler = createHandler();
  const transport = new StreamableHttpTransport({
    url: "http://mcp-lite.invalid/mcp",
    fetch: async (url, init) => handler(new Request(url, init)),
  });
  return openClient(id, transport, { protocolVersion: "2025-06-18" });
}

export async function punkpeyeInMemory(id) {
  const { createServer } = await import("./servers/punkpeye-fastmcp.js");
  const server = createServer();
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  let protocolVersion;
  clientSide.setProtocolVersion = (version) => {
    protocolVersion = version;
  };
  const client = new ClientV1(CLIENT_INFO);
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
