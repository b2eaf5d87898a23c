/**
 * FastMCP.fromOpenAPI against a real REST API (test/compose/petstore.ts, node:http on 127.0.0.1)
 * described by real OpenAPI documents (3.0 as an object, 3.1 as YAML): what clients list, what the
 * API receives, what callers get back, route maps, names, and the same over HTTP.
 */
import { Client as SdkClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, FastMCP, ToolError } from "../../src/index.js";
import type { Tool } from "../../src/protocol/types.js";
import { BINARY, type PetstoreApi, startPetstore } from "./petstore.js";
import { PETSTORE_31_YAML, petstore30 } from "./petstore-spec.js";

let api: PetstoreApi;
let mcp: FastMCP;
let client: Client;
let tools: Map<string, Tool>;

beforeAll(async () => {
  api = await startPetstore();
  mcp = await FastMCP.fromOpenAPI(petstore30(), {
    baseUrl: api.baseUrl,
    headers: { authorization: "Bearer configured" },
  });
  client = new Client(mcp);
  await client.connect();
  tools = new Map((await client.listTools()).map((tool) => [tool.name, tool]));
});

afterAll(async () => {
  await client?.close();
  await api?.close();
});

/** The requests the API received while `work` ran. */
async function received(work: () => Promise<unknown>) {
  const before = api.requests.length;
  await work();
  return api.requests.slice(before);
}

describe("fromOpenAPI: what clients list", () => {
  it("makes one tool per operation, named by operationId (cut at '__'), in document order", () => {
    expect([...tools.keys()]).toEqual([
      "listPets",
      "createPet",
      "getPet",
      "deletePet",
      "renameOwner",
      "failWith",
      "slow",
      "big",
      "lies",
      "getFile",
      "echo",
      "submitForm",
      "upload",
      "plantTree",
      "redirect",
    ]);
  });

  it("puts query and path parameters in the input schema, $refs resolved, 3.0's dialect as JSON Schema", () => {
    const list = tools.get("listPets") as Tool;
    expect(list.inputSchema).toEqual({
      type: "object",
      properties: {
        // `$ref: #/components/parameters/Limit`; `exclusiveMinimum: true` with `minimum: 0` becomes 2020-12's number.
        limit: { type: "integer", exclusiveMinimum: 0, maximum: 100, description: "How many at most" },
        tag: { type: "array", items: { type: "string" }, description: "Only pets with one of these tags" },
      },
    });
    expect(list.title).toBe("List pets");
    expect(list.description).toBe("Lists the pets, optionally by tag.");
    expect(list.annotations).toEqual({ readOnlyHint: true });
    expect(list._meta).toEqual({ fastmcp: { tags: ["pets"] } });
    // A path-level parameter applies to every operation of the path.
    expect(tools.get("getPet")?.inputSchema).toEqual({
      type: "object",
      properties: { petId: { type: "integer" } },
      required: ["petId"],
    });
  });

  it("flattens a $ref'd JSON body (allOf merged, read-only properties left out) into arguments", () => {
    expect(tools.get("createPet")?.inputSchema).toEqual({
      type: "object",
      properties: {
        name: { type: "string", description: "The pet's name" },
        tag: { type: "string" },
        nickname: { type: ["string", "null"] },
      },
      required: ["name"],
    });
  });

  it("keeps recursive schemas as $refs into $defs", () => {
    const schema = tools.get("plantTree")?.inputSchema as Record<string, unknown>;
    expect(schema.properties).toEqual({
      label: { type: "string" },
      children: { type: "array", items: { $ref: "#/$defs/Node" } },
    });
    expect(schema.$defs).toEqual({
      Node: {
        type: "object",
        properties: {
          label: { type: "string" },
          children: { type: "array", items: { $ref: "#/$defs/Node" } },
        },
      },
    });
  });

  it("names a path parameter that shares its name with a body property id__path", () => {
    expect(tools.get("renameOwner")?.inputSchema).toEqual({
      type: "object",
      properties: {
        id__path: { type: "string" },
        id: { type: "string", description: "The owner's new id" },
        name: { type: "string" },
      },
      required: ["id__path", "id", "name"],
    });
  });

  it("declares the output schema of JSON success responses (a non-object one wrapped as { result })", () => {
    const get = tools.get("getPet")?.outputSchema as Record<string, unknown>;
    expect(get.type).toBe("object");
    expect(get.$ref).toBe("#/$defs/Pet");
    expect(Object.keys(get.$defs as object).sort()).toEqual(["NewPet", "Pet"]);
    const list = tools.get("listPets")?.outputSchema as Record<string, unknown>;
    expect(list.properties).toEqual({ result: { type: "array", items: { $ref: "#/$defs/Pet" } } });
    // Not every success answer has a JSON body (204): no output schema to promise.
    expect(tools.get("deletePet")?.outputSchema).toBeUndefined();
  });

  it("leaves out header parameters OpenAPI says to ignore (Authorization), keeps the others", () => {
    expect(Object.keys(tools.get("echo")?.inputSchema.properties ?? {})).toEqual([
      "X-Trace",
      "session",
      "ids",
      "q",
    ]);
  });

  it("reads an OpenAPI 3.1 document given as YAML to the same schemas", async () => {
    const server = await FastMCP.fromOpenAPI(PETSTORE_31_YAML, { baseUrl: api.baseUrl });
    await using other = await Client.connect(server);
    const listed = new Map((await other.listTools()).map((tool) => [tool.name, tool]));
    expect([...listed.keys()]).toEqual(["listPets", "createPet", "getPet"]);
    for (const name of listed.keys())
      expect(listed.get(name)?.inputSchema).toEqual(tools.get(name)?.inputSchema);
    expect(other.serverInfo?.name).toBe("Petstore 3.1");
    const created = await other.callTool("createPet", { name: "Yam", nickname: null });
    expect(created.structuredContent).toMatchObject({ name: "Yam", nickname: null });
  });
});

describe("fromOpenAPI: calling the API", () => {
  it("sends query parameters (arrays exploded), the configured headers, and returns the JSON body", async () => {
    let result: Awaited<ReturnType<Client["callTool"]>> | undefined;
    const [request] = await received(async () => {
      result = await client.callTool("listPets", { limit: 2, tag: ["dog", "cat"] });
    });
    expect(request?.url).toBe("/api/pets?limit=2&tag=dog&tag=cat");
    expect(request?.headers.authorization).toBe("Bearer configured");
    expect(result?.structuredContent).toEqual({
      result: [
        { id: 1, name: "Rex", tag: "dog" },
        { id: 2, name: "Tom", tag: "cat" },
      ],
    });
    expect(JSON.parse(result?.text ?? "")).toHaveLength(2);
  });

  it("sends a JSON body built from the flattened arguments and returns the created object", async () => {
    let result: Awaited<ReturnType<Client["callTool"]>> | undefined;
    const [request] = await received(async () => {
      result = await client.callTool("createPet", { name: "Kit", nickname: null, ignored: "not declared" });
    });
    expect(request?.method).toBe("POST");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(request?.body ?? "")).toEqual({ name: "Kit", nickname: null });
    // Pet is an allOf of objects: an object output schema, so the body is the structured content itself.
    const created = result?.structuredContent as { id: number; name: string };
    expect(created.name).toBe("Kit");
    expect(api.pets.get(created.id)?.name).toBe("Kit");
  });

  it("fills path parameters and returns an object body as structured content", async () => {
    const result = await client.callTool("getPet", { petId: 2 });
    expect(result.structuredContent).toEqual({ id: 2, name: "Tom", tag: "cat" });
    expect(api.requests.at(-1)?.url).toBe("/api/pets/2");
  });

  it("answers an empty success (204) with its status line", async () => {
    api.pets.set(90, { id: 90, name: "Gone" });
    const result = await client.callTool("deletePet", { petId: 90 });
    expect(result.isError).toBe(false);
    expect(result.text).toBe("HTTP 204 No Content");
    expect(api.pets.has(90)).toBe(false);
  });

  it("checks arguments against the input schema before any request", async () => {
    const requests = await received(async () => {
      const missing = await client.callTool("createPet", { tag: "x" }, { raiseOnError: false });
      expect(missing.isError).toBe(true);
      expect(missing.text).toMatch(/Invalid arguments for tool createPet: name: Required/);
      const wrong = await client.callTool("listPets", { limit: 0 }, { raiseOnError: false });
      expect(wrong.text).toMatch(/limit/);
      const nested = await client.callTool(
        "plantTree",
        { label: "root", children: [{ label: "a", children: [{ label: 5 }] }] },
        { raiseOnError: false },
      );
      expect(nested.text).toMatch(/children\.0\.children\.0\.label/);
    });
    expect(requests).toEqual([]);
  });

  it("sends recursive bodies that validate", async () => {
    const tree = { label: "root", children: [{ label: "a", children: [{ label: "b" }] }] };
    const result = await client.callTool("plantTree", tree);
    expect(result.structuredContent).toEqual({ planted: tree });
  });

  it("turns a non-2xx answer into an isError result with the status and body", async () => {
    const missing = await client.callTool("getPet", { petId: 404 }, { raiseOnError: false });
    expect(missing.isError).toBe(true);
    expect(missing.text).toBe('HTTP 404 Not Found: {"error":"no pet 404"}');
    const broken = await client.callTool("failWith", { code: 500 }, { raiseOnError: false });
    expect(broken.text).toBe("HTTP 500 Internal Server Error: database on fire");
    await expect(client.callTool("failWith", { code: 409 })).rejects.toThrow(ToolError);
    await expect(client.callTool("failWith", { code: 409 })).rejects.toThrow(/HTTP 409 Conflict: .*not here/);
  });

  it("sends a path parameter and a body property of the same name each where it belongs", async () => {
    const result = await client.callTool("renameOwner", { id__path: "old", id: "new", name: "Ada" });
    expect(result.structuredContent).toEqual({ pathId: "old", body: { id: "new", name: "Ada" } });
  });

  it("sends header and cookie parameters, non-exploded query arrays, and never the ignored Authorization", async () => {
    const result = await client.callTool("echo", {
      "X-Trace": "t-1",
      session: "s 1",
      ids: [1, 2],
      q: "a b&c=d",
      Authorization: "Bearer from-the-model",
    });
    const echoed = result.structuredContent as { headers: Record<string, string>; url: string };
    expect(echoed.headers["x-trace"]).toBe("t-1");
    expect(echoed.headers.cookie).toBe("session=s%201");
    expect(echoed.headers.authorization).toBe("Bearer configured");
    const query = new URL(echoed.url, "http://x").searchParams;
    expect(query.get("ids")).toBe("1,2");
    expect(query.get("q")).toBe("a b&c=d");
    expect([...query.keys()]).toEqual(["ids", "q"]);
  });

  it("sends form bodies as application/x-www-form-urlencoded", async () => {
    const result = await client.callTool("submitForm", { a: "x y", n: 3 });
    expect(result.structuredContent).toEqual({
      type: "application/x-www-form-urlencoded",
      body: "a=x+y&n=3",
    });
  });

  it("sends multipart bodies as form-data, one part per array item", async () => {
    const result = await client.callTool("upload", { title: "Hi", tags: ["a", "b"] });
    const echoed = result.structuredContent as { type: string; body: string };
    const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(echoed.type)?.[1] as string;
    expect(boundary).toBeTruthy();
    const parts = echoed.body.split(`--${boundary}`).filter((part) => part.includes("Content-Disposition"));
    expect(parts.map((part) => part.replace(/\r\n/g, "|"))).toEqual([
      '|Content-Disposition: form-data; name="title"||Hi|',
      '|Content-Disposition: form-data; name="tags"||a|',
      '|Content-Disposition: form-data; name="tags"||b|',
    ]);
  });

  it("takes a body that is not an object as one `body` argument (a parameter named body becomes body__query)", async () => {
    const spec = {
      openapi: "3.1.0",
      info: { title: "Bodies", version: "1" },
      paths: {
        "/tree": {
          post: {
            operationId: "plantMany",
            parameters: [{ name: "body", in: "query", schema: { type: "string" } }],
            requestBody: {
              required: true,
              description: "The labels",
              content: { "application/json": { schema: { type: "array", items: { type: "string" } } } },
            },
            responses: {},
          },
        },
        "/form": {
          post: {
            operationId: "note",
            requestBody: { content: { "text/plain": { schema: { type: "string" } } } },
            responses: {},
          },
        },
      },
    };
    await using caller = await Client.connect(await FastMCP.fromOpenAPI(spec, { baseUrl: api.baseUrl }));
    const [many, note] = await caller.listTools();
    expect(many?.inputSchema).toEqual({
      type: "object",
      properties: {
        body__query: { type: "string" },
        body: { type: "array", items: { type: "string" }, description: "The labels" },
      },
      required: ["body"],
    });
    expect(note?.inputSchema).toEqual({ type: "object", properties: { body: { type: "string" } } });
    const planted = await caller.callTool("plantMany", { body: ["a", "b"], body__query: "q" });
    expect(planted.structuredContent).toEqual({ planted: ["a", "b"] });
    expect(api.requests.at(-1)?.url).toBe("/api/tree?body=q");
    const noted = await caller.callTool("note", { body: 'raw "text"' });
    expect(noted.structuredContent).toEqual({ type: "text/plain", body: 'raw "text"' });
  });

  it("returns binary answers as image content, embedded blobs, and blob resources", async () => {
    const ok = (type: string) => ({ "200": { description: "bytes", content: { [type]: {} } } });
    const spec = {
      openapi: "3.1.0",
      info: { title: "Binary", version: "1" },
      paths: {
        "/photo": { get: { operationId: "photo", responses: ok("image/png") } },
        "/report": { get: { operationId: "report", responses: ok("application/pdf") } },
      },
    };
    const server = await FastMCP.fromOpenAPI(spec, {
      baseUrl: api.baseUrl,
      routeMaps: [{ pattern: "^/report", methods: ["GET"], type: "resource" }],
    });
    await using caller = await Client.connect(server);
    const photo = await caller.callTool("photo", {});
    expect(photo.content).toEqual([
      { type: "image", mimeType: "image/png", data: BINARY.toString("base64") },
    ]);
    const report = await caller.readResource("resource://report");
    expect(report.contents).toEqual([
      { uri: "resource://report", mimeType: "application/pdf", blob: BINARY.toString("base64") },
    ]);
    const tools = await FastMCP.fromOpenAPI(spec, { baseUrl: api.baseUrl });
    await using toolCaller = await Client.connect(tools);
    const embedded = await toolCaller.callTool("report", {});
    expect(embedded.content).toEqual([
      {
        type: "resource",
        resource: {
          uri: `${api.baseUrl}/report`,
          mimeType: "application/pdf",
          blob: BINARY.toString("base64"),
        },
      },
    ]);
  });

  it("works over Streamable HTTP too, for our Client and the official SDK's (which checks output schemas)", async () => {
    const served = await mcp.listen({ port: 0 });
    const sdk = new SdkClient({ name: "sdk-v1", version: "1.0.0" });
    try {
      await using remote = await Client.connect(served.url);
      const result = await remote.callTool("getPet", { petId: 1 });
      expect(result.structuredContent).toEqual({ id: 1, name: "Rex", tag: "dog" });
      const failed = await remote.callTool("getPet", { petId: 77 }, { raiseOnError: false });
      expect(failed.isError).toBe(true);
      expect(failed.text).toContain("HTTP 404");

      await sdk.connect(new StreamableHTTPClientTransport(new URL(served.url)));
      await sdk.listTools();
      // The SDK validates structuredContent against each tool's outputSchema ($ref/$defs, wrapped arrays).
      const pet = await sdk.callTool({ name: "getPet", arguments: { petId: 3 } });
      expect(pet.structuredContent).toEqual({ id: 3, name: "Nemo", tag: "fish" });
      const list = await sdk.callTool({ name: "listPets", arguments: { limit: 1 } });
      expect(list.structuredContent).toEqual({ result: [{ id: 1, name: "Rex", tag: "dog" }] });
    } finally {
      await sdk.close();
      await served.close();
    }
  });
});

describe("fromOpenAPI: route maps, names, tags", () => {
  it("maps GETs to resources and templates, excludes by pattern and tag; the first matching map wins", async () => {
    const server = await FastMCP.fromOpenAPI(petstore30(), {
      baseUrl: api.baseUrl,
      routeMaps: [
        { tags: ["internal"], type: "exclude" },
        { pattern: "^/(slow|big|lies|fail|redirect)", type: "exclude" },
        { tags: ["admin"], type: "tool" },
        { methods: ["DELETE"], type: "exclude" },
        { methods: ["get"], pattern: /\{/, type: "resourceTemplate", mcpTags: ["detail"] },
        { methods: ["GET"], type: "resource" },
      ],
    });
    await using reader = await Client.connect(server);
    expect((await reader.listTools()).map((tool) => tool.name)).toEqual([
      "createPet",
      "deletePet",
      "renameOwner",
      "submitForm",
      "upload",
      "plantTree",
    ]);
    const resources = await reader.listResources();
    expect(resources.map((resource) => [resource.uri, resource.name, resource.mimeType])).toEqual([
      ["resource://listPets", "listPets", "application/json"],
    ]);
    const templates = await reader.listResourceTemplates();
    expect(templates.map((template) => template.uriTemplate)).toEqual([
      "resource://getPet/{petId}",
      "resource://getFile/{name}",
    ]);
    expect(templates[0]?._meta).toEqual({ fastmcp: { tags: ["pets", "detail"] } });

    const pet = await reader.readResource("resource://getPet/3");
    expect(JSON.parse(pet.content)).toEqual({ id: 3, name: "Nemo", tag: "fish" });
    expect(pet.contents[0]?.mimeType).toBe("application/json");
    const all = await reader.readResource("resource://listPets");
    expect(JSON.parse(all.content).length).toBeGreaterThanOrEqual(3);
    await expect(reader.readResource("resource://getPet/12345")).rejects.toThrow(
      /HTTP 404 Not Found.*no pet 12345/,
    );
  });

  it("passes query parameters of a template as {?...} variables; routeMapFn overrides the maps", async () => {
    const server = await FastMCP.fromOpenAPI(petstore30(), {
      baseUrl: api.baseUrl,
      routeMapFn: (route, type) =>
        route.operationId === "listPets" ? "resourceTemplate" : type === "tool" ? "exclude" : type,
    });
    await using reader = await Client.connect(server);
    expect(await reader.listTools()).toEqual([]);
    const [template] = await reader.listResourceTemplates();
    expect(template?.uriTemplate).toBe("resource://listPets{?limit,tag}");
    const one = await reader.readResource("resource://listPets?limit=1");
    expect(JSON.parse(one.content)).toEqual([{ id: 1, name: "Rex", tag: "dog" }]);
    expect(api.requests.at(-1)?.url).toBe("/api/pets?limit=1");
  });

  it("refuses a route with path parameters mapped to a plain resource", async () => {
    await expect(
      FastMCP.fromOpenAPI(petstore30(), {
        baseUrl: api.baseUrl,
        routeMaps: [{ pattern: "^/pets/", type: "resource" }],
      }),
    ).rejects.toThrow(/GET \/pets\/\{petId\} has path parameters: map it to "resourceTemplate"/);
  });

  it("names by the names option, derives missing names from method and path, numbers duplicates", async () => {
    const spec = {
      openapi: "3.0.0",
      info: { title: "Names", version: "1" },
      paths: {
        "/a": { get: { operationId: "dup", responses: {} }, post: { operationId: "dup", responses: {} } },
        "/things/{thing-id}/parts": {
          get: {
            parameters: [{ name: "thing-id", in: "path", required: true, schema: { type: "string" } }],
            responses: {},
          },
        },
        "/b": {
          get: { operationId: "list all the things!", responses: {} },
          put: { operationId: "x".repeat(300), responses: {} },
        },
        "/c": { get: { operationId: "renamed", responses: {} } },
      },
    };
    const server = await FastMCP.fromOpenAPI(spec, {
      baseUrl: api.baseUrl,
      names: { renamed: "friendly name" },
    });
    await using reader = await Client.connect(server);
    expect((await reader.listTools()).map((tool) => tool.name)).toEqual([
      "dup",
      "dup_2",
      "get_things_thing-id_parts",
      "list_all_the_things",
      "x".repeat(56),
      "friendly_name",
    ]);
  });

  it("tags components with the OpenAPI tags, the global tags and route map tags; server tag filters apply", async () => {
    const server = await FastMCP.fromOpenAPI(petstore30(), {
      baseUrl: api.baseUrl,
      tags: ["petstore"],
      excludeTags: ["admin", "internal"],
      routeMaps: [{ methods: ["POST"], type: "tool", mcpTags: ["write"] }],
      componentFn: (route, component) => {
        if (route.operationId === "getPet") component.description = `${component.description} (via API)`;
      },
    });
    await using reader = await Client.connect(server);
    const listed = new Map((await reader.listTools()).map((tool) => [tool.name, tool]));
    expect(listed.has("deletePet")).toBe(false);
    expect(listed.has("echo")).toBe(false);
    expect(listed.get("createPet")?._meta).toEqual({ fastmcp: { tags: ["pets", "write", "petstore"] } });
    expect(listed.get("getPet")?.description).toBe("Get a pet (via API)");
    await expect(reader.callTool("deletePet", { petId: 1 })).rejects.toThrow(/deletePet/);
    expect(api.pets.has(1)).toBe(true);
  });
});

describe("fromOpenAPI: composition", () => {
  it("mounts into another server under a namespace, tools and templates alike", async () => {
    const pets = await FastMCP.fromOpenAPI(petstore30(), {
      baseUrl: api.baseUrl,
      routeMaps: [{ methods: ["GET"], pattern: "^/pets/\\{", type: "resourceTemplate" }],
    });
    const main = new FastMCP("main");
    main.tool("ping", () => "pong");
    main.mount(pets, { namespace: "pets" });
    await using caller = await Client.connect(main);
    const names = (await caller.listTools()).map((tool) => tool.name);
    expect(names).toContain("ping");
    expect(names).toContain("pets_createPet");
    expect((await caller.callTool("pets_listPets", { limit: 1 })).structuredContent).toEqual({
      result: [{ id: 1, name: "Rex", tag: "dog" }],
    });
    const [template] = await caller.listResourceTemplates();
    expect(template?.uriTemplate).toBe("resource://pets/getPet/{petId}");
    expect(JSON.parse((await caller.readResource("resource://pets/getPet/2")).content)).toMatchObject({
      name: "Tom",
    });
  });
});

describe("fromOpenAPI: loading documents", () => {
  it("fetches a document from a URL and resolves its relative server URL against it", async () => {
    api.docs.set("petstore.json", {
      type: "application/json",
      text: JSON.stringify({ ...petstore30(), servers: [{ url: "/api" }] }),
    });
    const server = await FastMCP.fromOpenAPI(`${api.origin}/docs/petstore.json`);
    await using reader = await Client.connect(server);
    expect((await reader.callTool("getPet", { petId: 3 })).structuredContent).toMatchObject({ name: "Nemo" });
  });

  it("fetches YAML from a URL, with the document's server variables at their defaults", async () => {
    const yaml = `${PETSTORE_31_YAML}\nservers:\n  - url: "{origin}/{base}"\n    variables:\n      origin: { default: "${api.origin}" }\n      base: { default: api }\n`;
    api.docs.set("petstore.yaml", { type: "application/yaml", text: yaml });
    const server = await FastMCP.fromOpenAPI(new URL(`${api.origin}/docs/petstore.yaml`));
    await using reader = await Client.connect(server);
    expect((await reader.callTool("getPet", { petId: 2 })).structuredContent).toMatchObject({ name: "Tom" });
  });

  it("uses the fetch option for the document and for every call", async () => {
    const seen: string[] = [];
    const counting: typeof fetch = (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    api.docs.set("counted.json", { type: "application/json", text: JSON.stringify(petstore30()) });
    const server = await FastMCP.fromOpenAPI(`${api.origin}/docs/counted.json`, {
      baseUrl: api.baseUrl,
      fetch: counting,
    });
    await using reader = await Client.connect(server);
    await reader.callTool("getPet", { petId: 1 });
    expect(seen).toEqual([`${api.origin}/docs/counted.json`, `${api.baseUrl}/pets/1`]);
  });

  it("refuses what it cannot use, clearly", async () => {
    const base = { baseUrl: api.baseUrl };
    await expect(FastMCP.fromOpenAPI("{ not json", base)).rejects.toThrow(/not valid JSON/);
    await expect(FastMCP.fromOpenAPI({ swagger: "2.0" }, base)).rejects.toThrow(
      /Swagger 2.0 is not supported/,
    );
    await expect(FastMCP.fromOpenAPI({ openapi: "4.0.0" }, base)).rejects.toThrow(
      /OpenAPI 4.0.0 is not supported/,
    );
    await expect(FastMCP.fromOpenAPI({ openapi: "3.0.0", paths: {} })).rejects.toThrow(/give baseUrl/);
    await expect(FastMCP.fromOpenAPI(`${api.origin}/docs/none.json`)).rejects.toThrow(/answered 404/);
    await expect(
      FastMCP.fromOpenAPI({ openapi: "3.0.0", paths: {} }, { baseUrl: "ftp://x" }),
    ).rejects.toThrow(/must be http or https/);
    await expect(
      FastMCP.fromOpenAPI(petstore30(), { ...base, routeMaps: [{ type: "tool?" as never }] }),
    ).rejects.toThrow(/routeMaps\[0\]\.type must be one of/);
    await expect(FastMCP.fromOpenAPI(petstore30(), { ...base, timeout: -1 })).rejects.toThrow(
      /timeout must be/,
    );
    await expect(
      FastMCP.fromOpenAPI(petstore30(), { ...base, routeMapFn: () => "prompt" as never }),
    ).rejects.toThrow(/routeMapFn returned "prompt" for GET \/pets/);
  });
});
