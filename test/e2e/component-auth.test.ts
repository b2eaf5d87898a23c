/**
 * Per-component `auth` (`requireScopes`): a guarded tool, resource, template or prompt is listed and
 * usable only by a caller whose token passes the check; everyone else finds it absent from lists and
 * gets the answer an unknown component gets. One real server (Streamable HTTP, SSE and WebSocket on
 * one port, `StaticTokenVerifier`) serves every test; our Client talks to it in both eras.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthInfo, requireScopes } from "../../src/auth/server/index.js";
import {
  BearerAuth,
  type Client,
  type ClientTransport,
  FastMCP,
  type ListeningServer,
  SSETransport,
  StaticTokenVerifier,
  StreamableHttpTransport,
  WSTransport,
} from "../../src/index.js";
import { closeAfterEach, connect, serve } from "../helpers/http-test-server.js";
import { modernBody, modernHeaders, post } from "../helpers/modern-http.js";

closeAfterEach();

/** The components every server here has: one open and one guarded of each kind. */
function register(mcp: FastMCP): void {
  const write = requireScopes("write");
  mcp.tool("echo", (args) => args.text ?? "echo");
  mcp.tool("wipe", { auth: write }, () => "wiped");
  // A custom check: only Alice, whatever her scopes.
  mcp.tool("alice-only", { auth: (auth: AuthInfo | undefined) => auth?.clientId === "alice" }, () => "hi");
  mcp.tool(
    "broken-check",
    {
      auth: () => {
        throw new Error("check failed");
      },
    },
    () => "never",
  );
  mcp.resource("data://open", () => "open data");
  mcp.resource("data://secret", { auth: write }, () => "secret data");
  mcp.resource("open://{id}", { complete: { id: () => ["a"] } }, ({ id }) => `open ${id}`);
  mcp.resource("secret://{id}", { auth: write, complete: { id: () => ["s"] } }, ({ id }) => `secret ${id}`);
  mcp.prompt("hello", () => "hello");
  mcp.prompt("confidential", { auth: [requireScopes("read"), write] }, () => "confidential");
}

const ALL = {
  tools: ["echo", "wipe", "alice-only", "broken-check"],
  resources: ["data://open", "data://secret"],
  templates: ["open://{id}", "secret://{id}"],
  prompts: ["hello", "confidential"],
};
const OPEN = {
  tools: ["echo"],
  resources: ["data://open"],
  templates: ["open://{id}"],
  prompts: ["hello"],
};

let listening: ListeningServer;

beforeAll(async () => {
  const mcp = new FastMCP({
    name: "scoped",
    auth: new StaticTokenVerifier({
      "writer-token": { clientId: "alice", scopes: ["read", "write"] },
      "reader-token": { clientId: "bob", scopes: ["read"] },
    }),
  });
  register(mcp);
  listening = await mcp.listen({ host: "127.0.0.1", port: 0, transport: ["http", "sse", "ws"] });
});

afterAll(() => listening?.close());

type Kind = "http" | "sse" | "ws";

function transportFor(kind: Kind): ClientTransport {
  const url = listening.urls[kind] as string;
  if (kind === "http") return new StreamableHttpTransport({ url });
  return kind === "sse" ? new SSETransport({ url }) : new WSTransport({ url });
}

async function lists(client: Client) {
  return {
    tools: (await client.listTools()).map((tool) => tool.name),
    resources: (await client.listResources()).map((resource) => resource.uri),
    templates: (await client.listResourceTemplates()).map((template) => template.uriTemplate),
    prompts: (await client.listPrompts()).map((prompt) => prompt.name),
  };
}

/** What a failed request looked like on the wire, with `name` written as `<name>` to compare kinds. */
async function failure(request: Promise<unknown>, name: string) {
  const error = (await request.then(
    () => expect.unreachable("the request succeeded"),
    (caught: unknown) => caught,
  )) as { code?: number; message?: string; data?: unknown };
  const text = JSON.stringify({ code: error.code, message: error.message, data: error.data ?? null });
  return text.split(name).join("<name>");
}

/** Every way a caller without the scope could reach the guarded components, each beside an unknown twin. */
async function expectUnknownAlike(client: Client) {
  expect(await failure(client.callTool("wipe"), "wipe")).toBe(
    await failure(client.callTool("no-such-tool"), "no-such-tool"),
  );
  expect(await failure(client.getPrompt("confidential"), "confidential")).toBe(
    await failure(client.getPrompt("no-such-prompt"), "no-such-prompt"),
  );
  expect(await failure(client.readResource("data://secret"), "data://secret")).toBe(
    await failure(client.readResource("data://nothing"), "data://nothing"),
  );
  expect(await failure(client.readResource("secret://42"), "secret://42")).toBe(
    await failure(client.readResource("nothing://42"), "nothing://42"),
  );
  expect(
    await failure(
      client.complete({ type: "ref/resource", uri: "secret://{id}" }, { name: "id", value: "" }),
      "secret://{id}",
    ),
  ).toBe(
    await failure(
      client.complete({ type: "ref/resource", uri: "gone://{id}" }, { name: "id", value: "" }),
      "gone://{id}",
    ),
  );
}

const CASES: { label: string; kind: Kind; protocolVersion?: string }[] = [
  { label: "Streamable HTTP, 2025-11-25", kind: "http", protocolVersion: "2025-11-25" },
  { label: "Streamable HTTP, 2026-07-28", kind: "http", protocolVersion: "2026-07-28" },
  { label: "SSE", kind: "sse" },
  { label: "WebSocket", kind: "ws" },
];

describe.each(CASES)("over $label", ({ kind, protocolVersion }) => {
  const open = (token: string) =>
    connect(transportFor(kind), {
      auth: new BearerAuth(token),
      ...(protocolVersion ? { protocolVersion } : {}),
    });

  it("a token with the scope lists and uses every guarded component", async () => {
    const client = await open("writer-token");
    if (protocolVersion) expect(client.protocolVersion).toBe(protocolVersion);
    // broken-check throws: it denies, even to a caller holding every scope.
    expect(await lists(client)).toEqual({ ...ALL, tools: ["echo", "wipe", "alice-only"] });
    expect((await client.callTool("wipe")).text).toBe("wiped");
    expect((await client.callTool("alice-only")).text).toBe("hi");
    expect((await client.readResource("data://secret")).text).toBe("secret data");
    expect((await client.readResource("secret://42")).text).toBe("secret 42");
    expect((await client.getPrompt("confidential")).messages[0]?.content).toMatchObject({
      text: "confidential",
    });
    const completion = await client.complete(
      { type: "ref/resource", uri: "secret://{id}" },
      { name: "id", value: "" },
    );
    expect(completion.values).toEqual(["s"]);
  });

  it("a token without the scope sees them absent and gets the unknown-component answer", async () => {
    const client = await open("reader-token");
    expect(await lists(client)).toEqual(OPEN);
    await expectUnknownAlike(client);
    await expect(failure(client.callTool("alice-only"), "alice-only")).resolves.toContain("<name>");
    await expect(failure(client.callTool("broken-check"), "broken-check")).resolves.toContain("<name>");
    // The open components still work for this caller.
    expect((await client.callTool("echo", { text: "x" })).text).toBe("x");
    expect((await client.readResource("open://7")).text).toBe("open 7");
  });

  it("resource subscriptions: only to what the caller may read", async () => {
    const wanted = ["data://secret", "secret://1", "data://open", "open://1"];
    const writer = await open("writer-token");
    const all = await writer.listen({ resourceSubscriptions: wanted });
    expect(all.acknowledged.resourceSubscriptions).toEqual(wanted);
    await all.close();
    const reader = await open("reader-token");
    if (reader.protocolVersion === "2026-07-28") {
      // subscriptions/listen keeps the readable URIs and drops the others, as it drops unknown ones.
      const some = await reader.listen({ resourceSubscriptions: [...wanted, "data://nothing"] });
      expect(some.acknowledged.resourceSubscriptions).toEqual(["data://open", "open://1"]);
      await some.close();
    } else {
      // resources/subscribe answers as resources/read does: the guarded resource is not found.
      for (const uri of ["data://secret", "secret://1"]) {
        expect(await failure(reader.request("resources/subscribe", { uri }), uri)).toBe(
          await failure(reader.request("resources/subscribe", { uri: "data://nothing" }), "data://nothing"),
        );
      }
      await expect(reader.request("resources/subscribe", { uri: "data://open" })).resolves.toEqual({});
    }
  });
});

describe("a 2026-07-28 list that depends on the caller", () => {
  it("is marked private so a shared cache cannot hand it to another caller", async () => {
    const response = await post(listening.urls.http as string, modernBody("tools/list"), {
      ...modernHeaders("tools/list"),
      authorization: "Bearer reader-token",
    });
    const body = (await response.json()) as { result: { tools: { name: string }[]; cacheScope: string } };
    expect(body.result.tools.map((tool) => tool.name)).toEqual(["echo"]);
    expect(body.result.cacheScope).toBe("private");
  });

  it("stays public on a server without component auth", async () => {
    const plain = new FastMCP({ name: "plain" });
    plain.tool("echo", () => "echo");
    const server = await serve(plain);
    const response = await post(server.url, modernBody("tools/list"), modernHeaders("tools/list"));
    const body = (await response.json()) as { result: { cacheScope: string } };
    expect(body.result.cacheScope).toBe("public");
  });
});

describe("in memory (no verified identity)", () => {
  it("hides every guarded component", async () => {
    const mcp = new FastMCP({ name: "memory" });
    register(mcp);
    const client = await connect(mcp);
    expect(await lists(client)).toEqual(OPEN);
    await expectUnknownAlike(client);
  });
});

describe("with pagination and middleware", () => {
  it("pages the caller's own list", async () => {
    const mcp = new FastMCP({ name: "paged", pageSize: 1 });
    register(mcp);
    mcp.tool("echo-2", () => "echo");
    const client = await connect(mcp);
    expect(await lists(client)).toEqual({ ...OPEN, tools: ["echo", "echo-2"] });
  });

  it("pages the caller's own list, and list hooks see only what the caller may see", async () => {
    const mcp = new FastMCP({ name: "paged", pageSize: 1 });
    const seen: string[][] = [];
    mcp.use({
      onListTools: async (_ctx, next) => {
        const tools = await next();
        seen.push(tools.map((tool) => tool.name));
        return tools;
      },
    });
    register(mcp);
    // Registered after the guarded ones: the second page's cursor skips them.
    mcp.tool("echo-2", () => "echo");
    const client = await connect(mcp);
    expect(await lists(client)).toEqual({ ...OPEN, tools: ["echo", "echo-2"] });
    expect(seen).toEqual([
      ["echo", "echo-2"],
      ["echo", "echo-2"],
    ]);
    await expectUnknownAlike(client);
  });
});

describe("the auth option", () => {
  it("is checked at registration", () => {
    const mcp = new FastMCP({ name: "bad" });
    expect(() => mcp.tool("t", { auth: "write" as never }, () => 1)).toThrow(/auth must be a check function/);
    expect(() => requireScopes()).toThrow(TypeError);
    expect(() => requireScopes("a b")).toThrow(TypeError);
  });
});
