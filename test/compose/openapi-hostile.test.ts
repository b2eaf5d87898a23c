/**
 * fromOpenAPI under attack: arguments that try to leave the path, add headers or query parameters;
 * an API that never answers, answers too much, lies about its schema or redirects elsewhere; and
 * documents with reference loops, references to nothing, absurd nesting and `__proto__` keys.
 * Every case ends in a clear error (at load, or as an `isError` result) with the server alive.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, FastMCP } from "../../src/index.js";
import { freePort } from "../helpers/node-host.js";
import { type PetstoreApi, startPetstore } from "./petstore.js";
import { petstore30 } from "./petstore-spec.js";

let api: PetstoreApi;
let client: Client;

beforeAll(async () => {
  api = await startPetstore();
  const mcp = await FastMCP.fromOpenAPI(petstore30(), { baseUrl: api.baseUrl, maxResponseBytes: 100_000 });
  client = new Client(mcp);
  await client.connect();
});

afterAll(async () => {
  await client?.close();
  await api?.close();
});

async function received(work: () => Promise<unknown>) {
  const before = api.requests.length;
  await work();
  return api.requests.slice(before);
}

function call(name: string, args: Record<string, unknown>) {
  return client.callTool(name, args, { raiseOnError: false });
}

describe("fromOpenAPI: hostile arguments", () => {
  it("keeps a path argument inside its segment: slashes, queries and fragments are encoded", async () => {
    const requests = await received(async () => {
      for (const name of ["../admin", "a/b?x=1#frag", "..%2Fadmin", "%2e%2e", "..\\admin", "ok name"]) {
        expect((await call("getFile", { name })).isError).toBe(false);
      }
    });
    expect(requests.map((request) => request.url)).toEqual([
      "/api/files/..%2Fadmin",
      "/api/files/a%2Fb%3Fx%3D1%23frag",
      "/api/files/..%252Fadmin",
      "/api/files/%252e%252e",
      "/api/files/..%5Cadmin",
      "/api/files/ok%20name",
    ]);
    expect(api.requests.some((request) => request.url.startsWith("/admin"))).toBe(false);
  });

  it("refuses path arguments that URL parsing would turn into dot segments or an empty segment", async () => {
    const requests = await received(async () => {
      for (const name of ["..", ".", ""]) {
        const result = await call("getFile", { name });
        expect(result.isError).toBe(true);
        expect(result.text).toMatch(/Path parameter name cannot be/);
      }
    });
    expect(requests).toEqual([]);
  });

  it("refuses header values with CR, LF or NUL: no request, a clear error", async () => {
    const requests = await received(async () => {
      for (const value of ["a\r\nX-Injected: 1", "a\nb", "a\0b"]) {
        const result = await call("echo", { "X-Trace": value });
        expect(result.isError).toBe(true);
        expect(result.text).toBe("Header parameter X-Trace cannot contain line breaks or NUL");
      }
    });
    expect(requests).toEqual([]);
  });

  it("encodes cookie and query values so they cannot add cookies or parameters", async () => {
    const result = await call("echo", { session: "a; admin=1", q: "x&admin=1#y", ids: [1] });
    const echoed = result.structuredContent as { headers: Record<string, string>; url: string };
    expect(echoed.headers.cookie).toBe("session=a%3B%20admin%3D1");
    const query = new URL(echoed.url, "http://x").searchParams;
    expect([...query.keys()]).toEqual(["ids", "q"]);
    expect(query.get("q")).toBe("x&admin=1#y");
  });

  it("refuses configured headers that are not valid header values, at load", async () => {
    await expect(
      FastMCP.fromOpenAPI(petstore30(), { baseUrl: api.baseUrl, headers: { "x-key": "a\r\nx-evil: 1" } }),
    ).rejects.toThrow(/fromOpenAPI: headers/);
  });
});

describe("fromOpenAPI: hostile or broken APIs", () => {
  it("aborts a call that outlives the timeout, says so, and closes the API connection", async () => {
    // A server of its own: a short timeout on the shared one could cut ordinary calls on a busy machine.
    const server = await FastMCP.fromOpenAPI(petstore30(), { baseUrl: api.baseUrl, timeout: 300 });
    await using caller = await Client.connect(server);
    const slow = api.expectSlow();
    const result = await caller.callTool("slow", {}, { raiseOnError: false });
    expect(result.isError).toBe(true);
    expect(result.text).toBe("GET /api/slow timed out after 300 ms");
    await slow.closed.promise;
  });

  it("aborts the API call when the MCP request is cancelled", async () => {
    const server = await FastMCP.fromOpenAPI(petstore30(), { baseUrl: api.baseUrl });
    await using caller = await Client.connect(server);
    const slow = api.expectSlow();
    const controller = new AbortController();
    const pending = caller.callTool("slow", {}, { signal: controller.signal });
    await slow.arrived.promise;
    controller.abort();
    await expect(pending).rejects.toThrow();
    await slow.closed.promise;
    // The server is fine afterwards.
    expect((await caller.callTool("getPet", { petId: 1 })).structuredContent).toMatchObject({ name: "Rex" });
  });

  it("stops reading a response over maxResponseBytes and reports it", async () => {
    const big = api.expectBig();
    const result = await call("big", {});
    expect(result.isError).toBe(true);
    expect(result.text).toBe("The response of GET /api/big is larger than 100000 bytes");
    await big.promise;
    expect((await call("getPet", { petId: 1 })).isError).toBe(false);
  });

  it("reports a success whose body breaks the documented schema with the status and the body", async () => {
    api.lie = { status: 200, type: "application/json", body: '{"name":42}' };
    const wrong = await call("lies", {});
    expect(wrong.isError).toBe(true);
    expect(wrong.text).toMatch(/^HTTP 200 OK, but the body does not match the response schema/);
    expect(wrong.text).toContain('Body: {"name":42}');
    api.lie = { status: 200, type: "text/html", body: "<html>maintenance</html>" };
    const html = await call("lies", {});
    expect(html.isError).toBe(true);
    expect(html.text).toContain("Body: <html>maintenance</html>");
    api.lie = { status: 200, type: "application/json", body: '{"id":1,"name":"Rex"}' };
    expect((await call("lies", {})).structuredContent).toEqual({ id: 1, name: "Rex" });
  });

  it("does not follow redirects (the configured headers stay with the API)", async () => {
    const result = await call("redirect", {});
    expect(result.isError).toBe(true);
    expect(result.text).toBe("HTTP 302 Found");
  });

  it("reports an API that cannot be reached as an isError result", async () => {
    const port = await freePort();
    const server = await FastMCP.fromOpenAPI(petstore30(), { baseUrl: `http://127.0.0.1:${port}/api` });
    await using caller = await Client.connect(server);
    const result = await caller.callTool("getPet", { petId: 1 }, { raiseOnError: false });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(
      new RegExp(`^GET http://127.0.0.1:${port}/api/pets/1 failed: .*ECONNREFUSED`),
    );
  });
});

describe("fromOpenAPI: hostile documents", () => {
  const minimal = (extra: {
    schemas?: object;
    parameters?: unknown[];
    components?: object;
    body?: object;
  }) => ({
    openapi: "3.0.3",
    info: { title: "Hostile", version: "1" },
    paths: {
      "/x": {
        post: {
          operationId: "x",
          parameters: extra.parameters ?? [],
          ...(extra.body ? { requestBody: extra.body } : {}),
          responses: { "200": { description: "ok" } },
        },
      },
    },
    components: { schemas: extra.schemas ?? {}, ...extra.components },
  });
  const load = (spec: object) =>
    FastMCP.fromOpenAPI(spec as Record<string, unknown>, { baseUrl: api.baseUrl });
  const param = (schema: object) => [{ name: "p", in: "query", schema }];

  it("refuses schemas that are nothing but a loop of references", async () => {
    const loop = { A: { $ref: "#/components/schemas/B" }, B: { $ref: "#/components/schemas/A" } };
    await expect(
      load(minimal({ schemas: loop, parameters: param({ $ref: "#/components/schemas/A" }) })),
    ).rejects.toThrow(/Cyclic \$ref/);
    const self = { A: { allOf: [{ $ref: "#/components/schemas/A" }] } };
    await expect(
      load(minimal({ schemas: self, parameters: param({ $ref: "#/components/schemas/A" }) })),
    ).rejects.toThrow(/Cyclic \$ref: #\/components\/schemas\/A -> #\/components\/schemas\/A/);
    // Deep inside a legitimate recursive schema, still found.
    const deep = {
      Ok: { type: "object", properties: { child: { $ref: "#/components/schemas/Bad" } } },
      Bad: { anyOf: [{ $ref: "#/components/schemas/Bad" }, { type: "string" }] },
    };
    await expect(
      load(minimal({ schemas: deep, parameters: param({ $ref: "#/components/schemas/Ok" }) })),
    ).rejects.toThrow(/Cyclic \$ref/);
  });

  it("refuses loops of parameter, body and path item references", async () => {
    const parameters = { P: { $ref: "#/components/parameters/Q" }, Q: { $ref: "#/components/parameters/P" } };
    await expect(
      load(minimal({ parameters: [{ $ref: "#/components/parameters/P" }], components: { parameters } })),
    ).rejects.toThrow(/fromOpenAPI: Cyclic \$ref/);
    const bodies = { B: { $ref: "#/components/requestBodies/B" } };
    await expect(
      load(
        minimal({ body: { $ref: "#/components/requestBodies/B" }, components: { requestBodies: bodies } }),
      ),
    ).rejects.toThrow(/Cyclic \$ref/);
  });

  it("refuses references to nothing and to other documents, naming them", async () => {
    await expect(load(minimal({ parameters: param({ $ref: "#/components/schemas/Nope" }) }))).rejects.toThrow(
      'fromOpenAPI: Unresolved $ref "#/components/schemas/Nope"',
    );
    await expect(load(minimal({ parameters: param({ $ref: "other.yaml#/Pet" }) }))).rejects.toThrow(
      /Unsupported \$ref "other.yaml#\/Pet": only local references/,
    );
    await expect(
      load(minimal({ parameters: [{ $ref: "#/components/parameters/Missing" }] })),
    ).rejects.toThrow(/Unresolved \$ref/);
    await expect(load(minimal({ parameters: param({ $ref: "#/__proto__/constructor" }) }))).rejects.toThrow(
      /Unresolved \$ref/,
    );
  });

  it("refuses absurdly nested schemas without overflowing the stack", async () => {
    let schema: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 100_000; i++) schema = { type: "array", items: schema };
    await expect(load(minimal({ parameters: param(schema) }))).rejects.toThrow(
      /nested deeper than 128 levels/,
    );
  });

  it("keeps __proto__ as an ordinary name in schemas, arguments and bodies", async () => {
    const body = JSON.parse(
      '{"required":true,"content":{"application/json":{"schema":{"type":"object","properties":{"__proto__":{"type":"string"},"name":{"type":"string"}}}}}}',
    );
    const spec = minimal({ body });
    (spec.paths["/x"].post as Record<string, unknown>).operationId = "createPet";
    (spec.paths as Record<string, unknown>)["/pets"] = spec.paths["/x"];
    delete (spec.paths as Record<string, unknown>)["/x"];
    const server = await load(spec);
    await using caller = await Client.connect(server);
    const [tool] = await caller.listTools();
    expect(Object.keys(tool?.inputSchema.properties ?? {})).toEqual(["__proto__", "name"]);
    const [request] = await received(() =>
      caller.callTool("createPet", JSON.parse('{"__proto__":"p","name":"Proto"}')),
    );
    expect(JSON.parse(request?.body ?? "")).toEqual(JSON.parse('{"__proto__":"p","name":"Proto"}'));
    // Left out, it is not read from Object.prototype.
    const [without] = await received(() => caller.callTool("createPet", { name: "Plain" }));
    expect(without?.body).toBe('{"name":"Plain"}');
    expect(({} as Record<string, unknown>).name).toBeUndefined();
  });

  it("makes valid tool names of any operationId", async () => {
    const spec = {
      openapi: "3.1.0",
      info: { title: "Names", version: "1" },
      paths: {
        "/a": { get: { operationId: "../../etc/passwd", responses: {} } },
        "/b": { get: { operationId: "ünïcödé name", responses: {} } },
        "/c": { get: { operationId: "!!!", responses: {} } },
      },
    };
    await using caller = await Client.connect(await load(spec));
    const names = (await caller.listTools()).map((tool) => tool.name);
    expect(names).toEqual(["etc_passwd", "n_c_d_name", "get_c"]);
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_.-]{1,128}$/);
  });
});

describe("fromOpenAPI: loading", () => {
  const ROOT = join(import.meta.dirname, "../..");

  it("is not loaded by import('fastmcp-ts'); a YAML document without the yaml package is a clear error", async () => {
    const dir = await mkdtemp(join(tmpdir(), "openapi-"));
    try {
      const record = join(dir, "modules.txt");
      const code = `
        const { FastMCP } = await import("./src/index.ts");
        new FastMCP("plain");
        const before = (await import("node:fs")).readFileSync(process.env.RECORD_MODULES, "utf8");
        const openapi = before.split("\\n").some((url) => url.includes("/src/compose/openapi/"));
        const yaml = await FastMCP.fromOpenAPI("openapi: 3.0.0\\npaths: {}", { baseUrl: "http://127.0.0.1:9" })
          .then(() => "loaded", (error) => error.message);
        const json = await FastMCP.fromOpenAPI('{"openapi":"3.0.0","paths":{}}', { baseUrl: "http://127.0.0.1:9" })
          .then((server) => server.name, (error) => error.message);
        console.log(JSON.stringify({ openapi, yaml, json }));
      `;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          "--import",
          "tsx",
          "--import",
          "./test/fixtures/record-modules.mjs",
          "--import",
          "./test/fixtures/block-packages.mjs",
          "--input-type=module",
          "-e",
          code,
        ],
        {
          cwd: ROOT,
          timeout: 60_000,
          env: { ...process.env, RECORD_MODULES: record, BLOCK_PACKAGES: "yaml" },
        },
      );
      const outcome = JSON.parse(stdout.trim().split("\n").at(-1) as string);
      expect(outcome.openapi).toBe(false);
      expect(outcome.yaml).toMatch(/needs the optional package "yaml" \(npm install yaml\)/);
      expect(outcome.json).toBe("OpenAPI");
      // The recorder did see the module once it was used: the first check can fail.
      const after = await readFile(record, "utf8");
      expect(after).toContain("/src/compose/openapi/index.ts");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
