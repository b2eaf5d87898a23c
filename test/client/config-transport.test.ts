/**
 * A Client given an `mcpServers` config works like one given the URL: the config's transport is
 * asked what it does (a transport hook), not tested with instanceof against one class.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { FastMCP, MCPConfigTransport } from "../../src/index.js";
import { closeAfterEach, connect, recordRequests, serve } from "../helpers/http-test-server.js";
import { ROOT } from "../helpers/paths.js";

const run = promisify(execFile);

closeAfterEach();

function headerServer(): FastMCP {
  const mcp = new FastMCP("headers");
  mcp.tool(
    "echo",
    {
      description: "Echoes its header-mirrored argument.",
      inputSchema: { type: "object", properties: { text: { type: "string", "x-mcp-header": "Text" } } },
    },
    (args: Record<string, unknown>) => String(args.text),
  );
  return mcp;
}

describe("MCPConfigTransport with a remote server", () => {
  it("mirrors a tool's x-mcp-header arguments into Mcp-Param headers, as the URL's own transport does", async () => {
    const listening = await serve(headerServer());
    const seen = recordRequests(listening);
    const client = await connect(
      { mcpServers: { remote: { url: listening.url } } },
      { protocolVersion: "2026-07-28" },
    );
    expect(client.transport).toBeInstanceOf(MCPConfigTransport);
    // The server refuses (400, -32020) a call whose Mcp-Param-Text header is missing.
    expect((await client.callTool("echo", { text: "hello" })).text).toBe("hello");
    const call = seen.find((request) => request.headers["mcp-method"] === "tools/call");
    expect(call?.headers["mcp-param-text"]).toBe("hello");
    expect(call?.headers["mcp-name"]).toBe("echo");
  });

  it("builds the remote transport when only its own module is loaded", async () => {
    // The URL transport factory used to be installed by client/detect.ts at import time, which a
    // bundler honouring `sideEffects: false` may drop; a process that loads only the config module
    // shows whether MCPConfigTransport stands on its own.
    const program = [
      'import { MCPConfigTransport } from "./src/transports/config.ts";',
      'const transport = new MCPConfigTransport({ mcpServers: { remote: { url: "http://127.0.0.1:9/mcp" } } });',
      "console.log(JSON.stringify([transport.describe(), transport.mirrorsToolHeaders]));",
    ].join("\n");
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", program],
      {
        cwd: ROOT,
      },
    );
    expect(JSON.parse(stdout)).toEqual([expect.stringContaining("http://127.0.0.1:9/mcp"), true]);
  });
});
