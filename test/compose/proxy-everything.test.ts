/**
 * `FastMCP.asProxy` over the published `@modelcontextprotocol/server-everything` (stdio, a legacy
 * server built on the official SDK v1), served on Streamable HTTP: our Client in both eras and the
 * official SDK v1 and v2 clients call its tools through the proxy; its sampling and elicitation
 * requests reach the client in front and the answers get back; progress passes through; and the
 * upstream is spawned once for everything the file does (a wrapper script logs each spawn's pid).
 */
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Client as SdkV2Client,
  StreamableHTTPClientTransport as SdkV2Transport,
} from "@modelcontextprotocol/client";
import { Client as SdkV1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as SdkV1Transport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CreateMessageRequestSchema, ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FastMCP, type ListeningServer, StdioTransport } from "../../src/index.js";
import { CLIENT_ERAS, closingClients } from "../helpers/clients.js";
import { fixture } from "../helpers/paths.js";

const spawnLog = join(tmpdir(), `fastmcp-proxy-everything-${process.pid}-${Date.now()}.log`);
const spawns = () => readFileSync(spawnLog, "utf8").trim().split("\n").filter(Boolean);

let proxy: FastMCP;
let listening: ListeningServer;

beforeAll(async () => {
  const upstream = new StdioTransport(process.execPath, [fixture("counting-everything.mjs")], {
    env: { SPAWN_LOG: spawnLog },
    stderr: "pipe",
  });
  proxy = FastMCP.asProxy(upstream, { name: "everything" });
  listening = await proxy.listen({ transport: "http", host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await listening?.close();
  await proxy?.close();
  rmSync(spawnLog, { force: true });
});

const connect = closingClients();

const sampled = {
  role: "assistant" as const,
  content: { type: "text" as const, text: "sampled downstream" },
  model: "test-model",
  stopReason: "endTurn",
};

describe.each(CLIENT_ERAS)("our Client (%s) through the proxy", (_era, eraOptions) => {
  it("lists the upstream's tools, those it offers only to clients that can sample and elicit included", async () => {
    const client = await connect(listening.url, eraOptions);
    const names = (await client.listTools()).map((tool) => tool.name);
    expect(names).toEqual(
      expect.arrayContaining(["echo", "get-sum", "trigger-sampling-request", "trigger-elicitation-request"]),
    );
  });

  it("calls a tool", async () => {
    const client = await connect(listening.url, eraOptions);
    expect((await client.callTool("echo", { message: "hello" })).text).toBe("Echo: hello");
    expect((await client.callTool("get-sum", { a: 2, b: 3 })).text).toContain("5");
  });

  it("passes the upstream's sampling request to the client and its answer back", async () => {
    const asked: unknown[] = [];
    const client = await connect(listening.url, {
      ...eraOptions,
      sampling: (request) => {
        asked.push(request.messages);
        return sampled;
      },
    });
    const result = await client.callTool("trigger-sampling-request", { prompt: "the weather" });
    expect(result.text).toContain("sampled downstream");
    expect(JSON.stringify(asked)).toContain("the weather");
  });

  it("passes the upstream's elicitation to the client and its answer back", async () => {
    const client = await connect(listening.url, {
      ...eraOptions,
      elicitation: (request) => {
        expect(request.message).toContain("Please provide inputs");
        return { action: "accept", data: { name: "Ada Lovelace", check: true } };
      },
    });
    const result = await client.callTool("trigger-elicitation-request", {});
    expect(result.text).toContain("Name: Ada Lovelace");
    expect(result.text).toContain("Agreed to terms: true");
  });

  it("passes the upstream's progress to the client, with the client's own token", async () => {
    const client = await connect(listening.url, eraOptions);
    const progress: [number, number | undefined][] = [];
    const result = await client.callTool(
      "trigger-long-running-operation",
      { duration: 0.2, steps: 2 },
      { onProgress: (value, total) => void progress.push([value, total]) },
    );
    expect(result.text).toContain("Long running operation completed");
    expect(progress).toEqual([
      [1, 2],
      [2, 2],
    ]);
  });

  it("reads resources and templates, renders prompts and completes their arguments", async () => {
    const client = await connect(listening.url, eraOptions);
    const resources = await client.listResources();
    expect(resources.length).toBeGreaterThan(0);
    const first = resources[0] as { uri: string };
    const read = await client.readResource(first.uri);
    expect(read.contents.length).toBeGreaterThan(0);
    expect((await client.listResourceTemplates()).length).toBeGreaterThan(0);
    const prompt = await client.getPrompt("completable-prompt", { department: "Sales", name: "Eve" });
    expect(JSON.stringify(prompt.messages)).toContain("promote Eve to the head of the Sales team");
    const completion = await client.complete(
      { type: "ref/prompt", name: "completable-prompt" },
      { name: "department", value: "S" },
    );
    expect(completion.values).toEqual(["Sales", "Support"]);
  });
});

describe("official SDK clients through the proxy", () => {
  it("SDK v1 calls tools and answers the upstream's sampling request", async () => {
    const client = new SdkV1Client(
      { name: "sdk-v1", version: "1.0.0" },
      { capabilities: { sampling: {}, elicitation: {} } },
    );
    client.setRequestHandler(CreateMessageRequestSchema, () => sampled);
    client.setRequestHandler(ElicitRequestSchema, () => ({ action: "decline" }));
    await client.connect(new SdkV1Transport(new URL(listening.url)));
    try {
      const echo = await client.callTool({ name: "echo", arguments: { message: "v1" } });
      expect(echo.content).toEqual([{ type: "text", text: "Echo: v1" }]);
      const sampling = await client.callTool({
        name: "trigger-sampling-request",
        arguments: { prompt: "p" },
      });
      expect(JSON.stringify(sampling.content)).toContain("sampled downstream");
      const elicit = await client.callTool({ name: "trigger-elicitation-request", arguments: {} });
      expect(JSON.stringify(elicit.content)).toContain("User declined");
    } finally {
      await client.close();
    }
  });

  it.each([
    ["default (legacy) mode", {}],
    ["auto negotiation (2026-07-28)", { versionNegotiation: { mode: "auto" as const } }],
  ])("SDK v2 in %s calls tools and answers the upstream's sampling request", async (_mode, options) => {
    const client = new SdkV2Client(
      { name: "sdk-v2", version: "2.0.0" },
      { ...options, capabilities: { sampling: {} } },
    );
    client.setRequestHandler("sampling/createMessage", () => sampled);
    await client.connect(new SdkV2Transport(new URL(listening.url)));
    try {
      const echo = await client.callTool({ name: "echo", arguments: { message: "v2" } });
      expect(echo.content).toEqual([{ type: "text", text: "Echo: v2" }]);
      const sampling = await client.callTool({
        name: "trigger-sampling-request",
        arguments: { prompt: "p" },
      });
      expect(JSON.stringify(sampling.content)).toContain("sampled downstream");
    } finally {
      await client.close();
    }
  });
});

describe("the upstream connection", () => {
  it("was spawned once for every client and call of this file", async () => {
    const client = await connect(listening.url);
    await Promise.all(Array.from({ length: 16 }, (_, i) => client.callTool("echo", { message: String(i) })));
    expect(spawns()).toHaveLength(1);
  });
});
