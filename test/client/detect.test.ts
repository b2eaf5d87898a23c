/**
 * Unit tests of transport auto-detection (`new Client(target)` → `createTransport(target)`), one
 * case per row of the auto-detection table in API.md. Nothing is connected here.
 */
import { describe, expect, it } from "vitest";
import { Client } from "../../src/client/client.js";
import { createTransport } from "../../src/client/detect.js";
import { ClientError } from "../../src/errors.js";
import type { JSONRPCMessage } from "../../src/protocol/types.js";
import { FastMCP } from "../../src/server/fastmcp.js";
import { ClientTransport } from "../../src/transports/base.js";
import { MCPConfigTransport } from "../../src/transports/config.js";
import { FastMCPTransport } from "../../src/transports/memory/client.js";
import { SSETransport } from "../../src/transports/sse/client.js";
import { StdioTransport } from "../../src/transports/stdio/client.js";
import {
  NodeStdioTransport,
  PythonStdioTransport,
  UvStdioTransport,
} from "../../src/transports/stdio/variants.js";
import { StreamableHttpTransport } from "../../src/transports/streamable-http/client.js";
import { WSTransport } from "../../src/transports/ws/client.js";

class CustomTransport extends ClientTransport {
  describe(): string {
    return "custom";
  }
  protected async open(): Promise<void> {}
  protected send(_message: JSONRPCMessage): void {}
  protected async close(): Promise<void> {}
}

/** The transport for `target`, checked to be exactly of class `kind` (not a subclass). */
function detect<T>(target: unknown, kind: abstract new (...args: never[]) => T): T {
  const transport = createTransport(target);
  expect(transport).toBeInstanceOf(kind);
  expect(transport.constructor).toBe(kind);
  return transport as T;
}

/** The error createTransport throws for `target`. */
function failure(target: unknown): Error {
  try {
    createTransport(target);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`createTransport(${String(target)}) did not throw`);
}

describe("createTransport: transports and servers", () => {
  it("returns a ClientTransport as is", () => {
    const custom = new CustomTransport();
    expect(createTransport(custom)).toBe(custom);
    const stdio = new StdioTransport("python", ["server.py"]);
    expect(createTransport(stdio)).toBe(stdio);
    const uv = new UvStdioTransport({ args: ["server.py"] });
    expect(createTransport(uv)).toBe(uv);
  });

  it("wraps a FastMCP instance in a FastMCPTransport", () => {
    const mcp = new FastMCP("Detect Test");
    const transport = detect(mcp, FastMCPTransport);
    expect(transport.server).toBe(mcp);
  });

  it("is what new Client(target) uses", () => {
    const custom = new CustomTransport();
    expect(new Client(custom).transport).toBe(custom);
    expect(new Client("ws://localhost:9000/ws").transport).toBeInstanceOf(WSTransport);
    expect(new Client("server.py").transport).toBeInstanceOf(PythonStdioTransport);
    expect(() => new Client(42 as never)).toThrow(ClientError);
  });
});

describe("createTransport: URLs", () => {
  it.each([
    "ws://localhost:8080/ws",
    "wss://example.com/mcp",
    "ws://127.0.0.1:9000",
    "wss://example.com/sse", // the scheme decides before the path
  ])("%s → WSTransport", (url) => {
    expect(detect(url, WSTransport).url).toBe(url);
  });

  it.each([
    "http://localhost:8000/sse",
    "http://localhost:8000/sse/",
    "https://example.com/api/v1/sse",
    "https://example.com/sse?token=abc",
  ])("%s → SSETransport", (url) => {
    expect(detect(url, SSETransport).url).toBe(url);
  });

  it.each([
    "http://localhost:8000/mcp",
    "https://example.com/mcp/",
    "https://example.com",
    "http://localhost:8000/",
    "http://localhost:8000/sse/mcp",
    "http://localhost:8000/ssex",
    "http://localhost:8000/my-sse",
    "http://localhost:8000/mcp?transport=sse",
  ])("%s → StreamableHttpTransport", (url) => {
    expect(detect(url, StreamableHttpTransport).url).toBe(url);
  });

  it("accepts URL objects", () => {
    expect(detect(new URL("http://localhost:8000/sse"), SSETransport).url).toBe("http://localhost:8000/sse");
    expect(detect(new URL("http://localhost:8000/mcp"), StreamableHttpTransport).url).toBe(
      "http://localhost:8000/mcp",
    );
    expect(detect(new URL("wss://example.com/ws"), WSTransport).url).toBe("wss://example.com/ws");
  });

  it("ignores surrounding whitespace", () => {
    expect(detect("  http://localhost:8000/mcp\n", StreamableHttpTransport).url).toBe(
      "http://localhost:8000/mcp",
    );
  });

  it("rejects other URL schemes with a ClientError listing the accepted forms", () => {
    const error = failure("ftp://example.com/server");
    expect(error).toBeInstanceOf(ClientError);
    expect(error.message).toContain("ftp:");
    expectAcceptedForms(error.message);
  });
});

describe("createTransport: scripts", () => {
  it.each(["server.py", "./server.py", "/abs/path/to/my_server.py", "SERVER.PY"])(
    "%s → PythonStdioTransport",
    (path) => {
      const transport = detect(path, PythonStdioTransport);
      expect(transport.scriptPath).toBe(path);
    },
  );

  it.each(["server.js", "./dist/server.mjs", "/abs/server.cjs"])("%s → NodeStdioTransport", (path) => {
    const transport = detect(path, NodeStdioTransport);
    expect(transport.scriptPath).toBe(path);
    expect(transport.command).toBe("node");
    expect(transport.args).toEqual([path]);
  });

  it("accepts a quoted script path containing spaces", () => {
    expect(detect('"my servers/weather.py"', PythonStdioTransport).scriptPath).toBe("my servers/weather.py");
    expect(detect("'my servers/weather.mjs'", NodeStdioTransport).scriptPath).toBe("my servers/weather.mjs");
  });

  it("does not treat other extensions as scripts", () => {
    for (const path of ["server.ts", "server.pyc", "server.json", "server.jsx"]) {
      const transport = detect(path, StdioTransport);
      expect(transport.command).toBe(path);
      expect(transport.args).toEqual([]);
    }
  });
});

describe("createTransport: command lines", () => {
  it.each([
    ["python server.py", "python", ["server.py"]],
    ["python3 -u server.py --port 8000", "python3", ["-u", "server.py", "--port", "8000"]],
    [
      "npx -y @modelcontextprotocol/server-everything",
      "npx",
      ["-y", "@modelcontextprotocol/server-everything"],
    ],
    ["uv run --with httpx server.py", "uv", ["run", "--with", "httpx", "server.py"]],
    ["node server.js", "node", ["server.js"]],
    ['node "my dir/server.js" --name "Ada Lovelace"', "node", ["my dir/server.js", "--name", "Ada Lovelace"]],
    ["python -c 'print(\"hi there\")'", "python", ["-c", 'print("hi there")']],
    ['docker run -i --rm -e "KEY=a b" image', "docker", ["run", "-i", "--rm", "-e", "KEY=a b", "image"]],
    ["my-server", "my-server", []],
    ["  spaced   out  ", "spaced", ["out"]],
    ["echo $HOME ~ *.py", "echo", ["$HOME", "~", "*.py"]],
  ] as const)("%s → StdioTransport", (line, command, args) => {
    const transport = detect(line, StdioTransport);
    expect(transport.command).toBe(command);
    expect(transport.args).toEqual(args);
  });

  it("rejects a command line with an unterminated quote with a clear error", () => {
    const error = failure('python "server.py');
    expect(error).toBeInstanceOf(ClientError);
    expect(error.message).toContain('Unterminated " quote');
    expect(error.message).toContain('python "server.py');
    expectAcceptedForms(error.message);
  });
});

describe("createTransport: mcpServers configuration", () => {
  it("builds an MCPConfigTransport for a stdio server", () => {
    const config = {
      mcpServers: { weather: { command: "python", args: ["weather.py"], env: { KEY: "v" }, cwd: "/tmp" } },
    };
    const transport = detect(config, MCPConfigTransport);
    expect(transport.config).toBe(config);
    expect(transport.transport).toBeInstanceOf(StdioTransport);
    const inner = transport.transport as StdioTransport;
    expect(inner.command).toBe("python");
    expect(inner.args).toEqual(["weather.py"]);
  });

  it("builds an MCPConfigTransport for a remote server, detecting its transport from the URL", () => {
    const http = detect({ mcpServers: { remote: { url: "https://example.com/mcp" } } }, MCPConfigTransport);
    expect(http.transport).toBeInstanceOf(StreamableHttpTransport);
    const sse = detect({ mcpServers: { remote: { url: "https://example.com/sse" } } }, MCPConfigTransport);
    expect(sse.transport).toBeInstanceOf(SSETransport);
    const forced = detect(
      { mcpServers: { remote: { url: "https://example.com/events", transport: "sse" } } },
      MCPConfigTransport,
    );
    expect(forced.transport).toBeInstanceOf(SSETransport);
  });
});

/** The accepted forms the error lists. */
function expectAcceptedForms(message: string): void {
  expect(message).toContain("ClientTransport");
  expect(message).toContain("FastMCP");
  expect(message).toContain("ws://");
  expect(message).toContain("http(s)://");
  expect(message).toContain(".py");
  expect(message).toContain(".mjs");
  expect(message).toContain("command line");
  expect(message).toContain("mcpServers");
}

describe("createTransport: anything else", () => {
  it.each([
    ["a number", 42],
    ["null", null],
    ["undefined", undefined],
    ["a boolean", true],
    ["an empty object", {}],
    ["an object without mcpServers", { command: "python", args: ["server.py"] }],
    ["an array", ["python", "server.py"]],
    ["a function", () => "server.py"],
    ["an empty string", ""],
    ["a blank string", "   \t\n"],
  ])("%s → ClientError listing the accepted forms", (_label, target) => {
    const error = failure(target);
    expect(error).toBeInstanceOf(ClientError);
    expect(error.name).toBe("ClientError");
    expectAcceptedForms(error.message);
  });

  it("says what it was given", () => {
    expect(failure(42).message).toContain("number");
    expect(failure({ command: "python" }).message).toContain("command");
  });
});
