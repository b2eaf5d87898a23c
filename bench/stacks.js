// The stacks under test. Each one opens a connection (in memory, or over stdio to a server it
// spawns) and returns the same small interface:
//   { call(): Promise<void>, close(): Promise<void>, protocolVersion, era }
// `call` performs one `add` tool call and checks its answer, so an error is never timed as a call.
import { execPath } from "node:process";
import { fileURLToPath } from "node:url";
import { Client as ClientV2, InMemoryTransport as InMemoryTransportV2 } from "@modelcontextprotocol/client";
import { StdioClientTransport as StdioClientTransportV2 } from "@modelcontextprotocol/client/stdio";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport as StdioClientTransportV1 } from "@modelcontextprotocol/sdk/client/stdio.js";
import { InMemoryTransport as InMemoryTransportV1 } from "@modelcontextprotocol/sdk/inMemory.js";
import { Client, FastMCPTransport, StdioTransport } from "../dist/index.js";
import { peerScript } from "./peers.js";
import { createServer as createFastMCPServer } from "./servers/fastmcp.js";
import { createServer as createV1Server } from "./servers/sdk-v1.js";
import { serve as serveV2 } from "./servers/sdk-v2.js";

const serverScript = (name) => fileURLToPath(new URL(`./servers/${name}.js`, import.meta.url));
const ARGS = { a: 20, b: 22 };
const EXPECTED = "42";
const CLIENT_INFO = { name: "bench-client", version: "1.0.0" };

function check(text, stack) {
  if (text !== EXPECTED)
    throw new Error(`${stack}: add returned ${JSON.stringify(text)}, expected ${EXPECTED}`);
}

// ---- fastmcp-ts -------------------------------------------------------------------------------

/** Connects the fastmcp-ts client over `transport`; `id` names the stack in error messages. */
async function openFastmcp(id, transport, options) {
  const client = new Client(transport, options);
  await client.connect();
  return {
    call: async () => check((await client.callTool("add", ARGS)).text, id),
    close: () => client.close(),
    protocolVersion: client.protocolVersion,
    era: client.era,
  };
}

function fastmcp(id, protocolVersion) {
  const options = protocolVersion
    ? { protocolVersion, clientInfo: CLIENT_INFO }
    : { clientInfo: CLIENT_INFO };
  return {
    inMemory: () => openFastmcp(id, new FastMCPTransport(createFastMCPServer()), options),
    stdio: () => openFastmcp(id, new StdioTransport(execPath, [serverScript("fastmcp")]), options),
  };
}

// ---- official SDK v1 --------------------------------------------------------------------------

/** v1's Client has no getter for the negotiated version; it reports it to the transport. */
function observeVersion(transport) {
  const seen = { version: undefined };
  transport.setProtocolVersion = (version) => {
    seen.version = version;
  };
  return seen;
}

function sdkV1(id) {
  const open = async (transport, cleanup = async () => {}) => {
    const seen = observeVersion(transport);
    const client = new ClientV1(CLIENT_INFO);
    await client.connect(transport);
    return {
      call: async () => check((await client.callTool({ name: "add", arguments: ARGS })).content[0]?.text, id),
      close: async () => {
        await client.close();
        await cleanup();
      },
      protocolVersion: seen.version,
      era: "legacy",
    };
  };
  return {
    inMemory: async () => {
      const server = createV1Server();
      const [clientSide, serverSide] = InMemoryTransportV1.createLinkedPair();
      await server.connect(serverSide);
      return open(clientSide, () => server.close());
    },
    stdio: () => open(new StdioClientTransportV1({ command: execPath, args: [serverScript("sdk-v1")] })),
  };
}

// ---- official SDK v2 --------------------------------------------------------------------------

/** `mode`: v2's `versionNegotiation.mode`: "auto" probes `server/discover`, "legacy" (its default) does not. */
function sdkV2(id, mode) {
  const open = async (transport, cleanup = async () => {}) => {
    const client = new ClientV2(CLIENT_INFO, { versionNegotiation: { mode } });
    await client.connect(transport);
    return {
      call: async () => check((await client.callTool({ name: "add", arguments: ARGS })).content[0]?.text, id),
      close: async () => {
        await client.close();
        await cleanup();
      },
      protocolVersion: client.getNegotiatedProtocolVersion(),
      era: client.getProtocolEra(),
    };
  };
  return {
    inMemory: async () => {
      // v2's InMemoryTransport linked pair, served by v2's era-aware entry (serveStdio with a
      // custom transport), so both eras are available in memory exactly as over stdio.
      const [clientSide, serverSide] = InMemoryTransportV2.createLinkedPair();
      const handle = serveV2(serverSide);
      return open(clientSide, () => handle.close());
    },
    stdio: () => open(new StdioClientTransportV2({ command: execPath, args: [serverScript("sdk-v2")] })),
  };
}

/**
 * The rows of every table. `family` groups the rows for ratios: each fastmcp-ts row is compared
 * with SDK v1 and with the SDK v2 row of the same protocol era (`peer`).
 */
export const STACKS = [
  { id: "fastmcp", label: "fastmcp-ts", family: "fastmcp", ...fastmcp("fastmcp") },
  {
    id: "fastmcp-legacy",
    label: "fastmcp-ts @2025-11-25",
    family: "fastmcp",
    ...fastmcp("fastmcp-legacy", "2025-11-25"),
  },
  { id: "sdk-v1", label: "SDK v1", family: "sdk-v1", ...sdkV1("sdk-v1") },
  { id: "sdk-v2", label: "SDK v2 (auto)", family: "sdk-v2", ...sdkV2("sdk-v2", "auto") },
  { id: "sdk-v2-legacy", label: "SDK v2 (default)", family: "sdk-v2", ...sdkV2("sdk-v2-legacy", "legacy") },
];

// ---- peer frameworks (bench/peers/, installed by the bench only) ------------------------------

/**
 * In memory through the framework's own in-process API and a full MCP client (the fastmcp-ts Client
 * where the framework ships none); bench/peers/connections.js, loaded lazily.
 */
const peerInMemory = (fn, id) => async () => (await import("./peers/connections.js"))[fn](id);

/**
 * Over stdio: the peer's server script spawned, reached with the fastmcp-ts client (default
 * negotiation, so each peer in the era it speaks); the same client as the fastmcp-ts rows, so the
 * rows differ by server only.
 */
const peerStdio = (id, script) => () =>
  openFastmcp(id, new StdioTransport(execPath, [peerScript(script)]), { clientInfo: CLIENT_INFO });

export const PEERS = [
  {
    id: "tmcp",
    label: "tmcp",
    family: "peer",
    inMemory: peerInMemory("tmcpInMemory", "tmcp"),
    stdio: peerStdio("tmcp", "tmcp"),
  },
  // mcp-lite is fetch-first: no stdio transport, so in memory (and over HTTP) only.
  {
    id: "mcp-lite",
    label: "mcp-lite",
    family: "peer",
    inMemory: peerInMemory("mcpLiteInMemory", "mcp-lite"),
  },
  {
    id: "punkpeye",
    label: "punkpeye fastmcp",
    family: "peer",
    inMemory: peerInMemory("punkpeyeInMemory", "punkpeye"),
    stdio: peerStdio("punkpeye", "punkpeye-fastmcp"),
  },
];

/**
 * Cold start only: the floor, Node plus zod answering with canned lines (bench/servers/floor.js),
 * reached with the fastmcp-ts client. Not a stack; it shows how much of a cold start is Node itself.
 */
export const FLOOR = {
  id: "floor",
  label: "(floor: node + zod, no MCP server)",
  family: "floor",
  stdio: () =>
    openFastmcp("floor", new StdioTransport(execPath, [serverScript("floor")]), { clientInfo: CLIENT_INFO }),
};

/**
 * Cold start only: fastmcp-ts with the tool's schema as plain JSON Schema, so the cold start is the
 * framework's own, with no schema library to load (the SDKs load zod whatever the tool uses).
 */
export const FASTMCP_JSON = {
  id: "fastmcp-json",
  label: "fastmcp-ts, JSON Schema tool (no zod)",
  family: "fastmcp",
  stdio: () =>
    openFastmcp("fastmcp-json", new StdioTransport(execPath, [serverScript("fastmcp-json")]), {
      clientInfo: CLIENT_INFO,
    }),
};

/** In memory only: the same server with one pass-through middleware (onRequest and onCallTool). */
export const FASTMCP_MIDDLEWARE = {
  id: "fastmcp-mw",
  label: "fastmcp-ts + 1 pass-through middleware",
  family: "fastmcp",
  inMemory: () =>
    openFastmcp("fastmcp-mw", new FastMCPTransport(createFastMCPServer({ middleware: true })), {
      clientInfo: CLIENT_INFO,
    }),
};

/** Ratio pairs: [fastmcp-ts row, SDK v1 row, SDK v2 row of the same era]. */
export const COMPARISONS = [
  { ours: "fastmcp", v1: "sdk-v1", v2: "sdk-v2" },
  { ours: "fastmcp-legacy", v1: "sdk-v1", v2: "sdk-v2-legacy" },
  { ours: "fastmcp-json", v1: "sdk-v1", v2: "sdk-v2" },
  // The middleware row against the same server without middleware, and against SDK v1.
  { ours: "fastmcp-mw", v1: "fastmcp", v2: "sdk-v1" },
];
