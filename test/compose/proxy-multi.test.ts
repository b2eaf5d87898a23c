/**
 * Several servers behind one proxy (`FastMCP.asProxy({ mcpServers })`) and behind one Client
 * (`new Client({ mcpServers })`): namespaced by key (tool `echo` of `weather` is `weather_echo`,
 * resource `data://today` is `data://weather/today`), and a server that fails to start is reported
 * by name while the others keep working. With one key, a Client talks to that server directly.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Client, FastMCP, type ListeningServer, MCPConfigTransport } from "../../src/index.js";
import type { MCPConfig } from "../../src/transports/config.js";
import { createProxyUpstream } from "../fixtures/proxy-upstream.js";
import { CLIENT_ERAS, closingClients } from "../helpers/clients.js";
import { fixtureArgs, ROOT } from "../helpers/paths.js";

let docs: ListeningServer;
let config: MCPConfig;
let hub: FastMCP;
let front: ListeningServer;
const reported: string[] = [];

beforeAll(async () => {
  vi.spyOn(console, "error").mockImplementation((message: unknown) => void reported.push(String(message)));
  docs = await createProxyUpstream("docs").listen({ transport: "http", host: "127.0.0.1", port: 0 });
  config = {
    mcpServers: {
      weather: {
        command: process.execPath,
        args: fixtureArgs("proxy-upstream.ts"),
        cwd: ROOT,
        env: { UPSTREAM_NAME: "weather" },
      },
      docs: { url: docs.url },
      broken: { command: `${ROOT}no-such-command-for-proxy-tests` },
    },
  };
  hub = FastMCP.asProxy(config, { name: "hub" });
  front = await hub.listen({ transport: "http", host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await front?.close();
  await hub?.close();
  await docs?.close();
  vi.restoreAllMocks();
});

const connect = closingClients();

describe.each(CLIENT_ERAS)("a multi-server proxy to a %s client", (_era, eraOptions) => {
  it("lists every working server's components under its key, and reports the broken one by name", async () => {
    const client = await connect(front.url, eraOptions);
    const tools = (await client.listTools()).map((tool) => tool.name);
    expect(tools).toEqual(expect.arrayContaining(["weather_echo", "docs_echo", "weather_ask", "docs_stats"]));
    expect(tools.some((name) => name.startsWith("broken_"))).toBe(false);
    expect(reported.join("\n")).toMatch(/Proxied server broken: .*no-such-command-for-proxy-tests/);
    const resources = (await client.listResources()).map((resource) => resource.uri);
    expect(resources).toEqual(expect.arrayContaining(["data://weather/today", "data://docs/today"]));
    const templates = (await client.listResourceTemplates()).map((template) => template.uriTemplate);
    expect(templates).toEqual(expect.arrayContaining(["data://weather/{day}/forecast"]));
    const prompts = (await client.listPrompts()).map((prompt) => prompt.name);
    expect(prompts).toEqual(expect.arrayContaining(["weather_greet", "docs_greet"]));
  });

  it("routes calls, reads and prompts to the server of their namespace", async () => {
    const client = await connect(front.url, eraOptions);
    expect((await client.callTool("weather_echo", { text: "rain" })).text).toBe("rain");
    expect((await client.callTool("docs_echo", { text: "pages" })).text).toBe("pages");
    expect((await client.readResource("data://docs/today")).content).toBe("sunny");
    expect((await client.readResource("data://weather/monday/forecast")).content).toBe("rain on monday");
    const prompt = await client.getPrompt("weather_greet", { name: "Ada" });
    expect(JSON.stringify(prompt.messages)).toContain("Say hello to Ada");
  });

  it("answers a call to the broken server with an error naming it", async () => {
    const client = await connect(front.url, eraOptions);
    const error = await client.callTool("broken_echo", { text: "x" }).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).toMatch(/broken/);
    // The others still work.
    expect((await client.callTool("weather_echo", { text: "ok" })).text).toBe("ok");
  });
});

describe("FastMCP.asProxy({ mcpServers }) checks", () => {
  it("refuses a key that cannot be a namespace at once, as mount() does", () => {
    expect(() =>
      FastMCP.asProxy({ mcpServers: { docs: { url: docs.url }, "my docs": { url: docs.url } } }),
    ).toThrow(/Invalid namespace "my docs"/);
  });
});

describe("new Client({ mcpServers })", () => {
  it("with several servers talks to all of them, namespaced by key, past a broken one", async () => {
    const client = new Client(config);
    try {
      await client.connect();
      expect(client.transport).toBeInstanceOf(MCPConfigTransport);
      const tools = (await client.listTools()).map((tool) => tool.name);
      expect(tools).toEqual(expect.arrayContaining(["weather_echo", "docs_echo"]));
      expect((await client.callTool("docs_echo", { text: "direct" })).text).toBe("direct");
      await expect(client.callTool("broken_echo", { text: "x" })).rejects.toThrow(/broken/);
    } finally {
      await client.close();
    }
  });

  it("with one server talks to it directly, without a namespace", async () => {
    const client = new Client({ mcpServers: { docs: { url: docs.url } } });
    try {
      await client.connect();
      expect((await client.callTool("echo", { text: "plain" })).text).toBe("plain");
    } finally {
      await client.close();
    }
  });

  it("names a server without a command or a url at once", () => {
    expect(() => new Client({ mcpServers: { a: { url: docs.url }, b: {} as never } })).toThrow(
      /Server b in mcpServers needs either a command or a url/,
    );
  });
});
