/**
 * A petstore-style REST API on node:http (127.0.0.1, port 0) and its OpenAPI documents (3.0 as an
 * object, 3.1 as YAML text), for the fromOpenAPI tests. The API lives under /api and records every
 * request it gets, raw URL and headers included, so tests can check what was sent.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { listenLocal } from "../helpers/node-host.js";
import { type Deferred, deferred } from "../helpers/wait.js";

/** The bytes /api/photo and /api/report answer: not UTF-8 (0x89, 0xff, 0x00). */
export const BINARY = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00, 0xfe]);

export interface Recorded {
  method: string;
  /** The request target exactly as it arrived (not normalized). */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Pet {
  id: number;
  name: string;
  tag?: string;
  nickname?: string | null;
}

export interface PetstoreApi {
  /** `http://127.0.0.1:<port>/api` */
  baseUrl: string;
  origin: string;
  requests: Recorded[];
  pets: Map<number, Pet>;
  /** A waiter the next /api/slow request resolves when its caller closes it (the request arrived: `arrived`). */
  expectSlow(): { arrived: Deferred<void>; closed: Deferred<void> };
  /** A waiter the next /api/big response resolves when it is closed (cut off or finished). */
  expectBig(): Deferred<void>;
  /** Documents served at GET /docs/<name> (content type and text). */
  docs: Map<string, { type: string; text: string }>;
  /** Set a raw answer for GET /api/lies (status, content type, body). */
  lie: { status: number; type: string; body: string };
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json" }).end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startPetstore(): Promise<PetstoreApi> {
  const requests: Recorded[] = [];
  const pets = new Map<number, Pet>([
    [1, { id: 1, name: "Rex", tag: "dog" }],
    [2, { id: 2, name: "Tom", tag: "cat" }],
    [3, { id: 3, name: "Nemo", tag: "fish" }],
  ]);
  let nextId = 4;
  let slow = { arrived: deferred<void>(), closed: deferred<void>() };
  let big = deferred<void>();
  const api: PetstoreApi = {
    baseUrl: "",
    origin: "",
    requests,
    pets,
    expectSlow: () => {
      slow = { arrived: deferred(), closed: deferred() };
      return slow;
    },
    expectBig: () => {
      big = deferred();
      return big;
    },
    lie: { status: 200, type: "application/json", body: "{}" },
    docs: new Map(),
    close: async () => {},
  };
  const server = createServer(async (req, res) => {
    const raw = req.url ?? "";
    const body = await readBody(req);
    requests.push({ method: req.method ?? "", url: raw, headers: req.headers, body });
    const url = new URL(raw, "http://api.invalid");
    const path = url.pathname;
    const method = req.method;
    const petMatch = /^\/api\/pets\/([^/]+)$/.exec(path);
    const ownerMatch = /^\/api\/owners\/([^/]+)$/.exec(path);
    const failMatch = /^\/api\/fail\/(\d+)$/.exec(path);
    if (method === "GET" && path === "/api/pets") {
      const limit = Number(url.searchParams.get("limit") ?? 100);
      const tags = url.searchParams.getAll("tag");
      const list = [...pets.values()].filter((pet) => tags.length === 0 || tags.includes(pet.tag ?? ""));
      return json(res, 200, list.slice(0, limit));
    }
    if (method === "POST" && path === "/api/pets") {
      const input = JSON.parse(body) as Omit<Pet, "id">;
      if (typeof input.name !== "string") return json(res, 400, { error: "name is required" });
      const pet: Pet = { ...input, id: nextId++ };
      pets.set(pet.id, pet);
      return json(res, 201, pet);
    }
    if (petMatch) {
      const match = petMatch;
      const id = Number(match[1]);
      const pet = pets.get(id);
      if (method === "GET")
        return pet ? json(res, 200, pet) : json(res, 404, { error: `no pet ${match[1]}` });
      if (method === "DELETE") {
        if (!pets.delete(id)) return json(res, 404, { error: `no pet ${match[1]}` });
        return res.writeHead(204).end();
      }
    }
    if (method === "PUT" && ownerMatch) {
      return json(res, 200, { pathId: decodeURIComponent(ownerMatch[1] as string), body: JSON.parse(body) });
    }
    if (method === "GET" && failMatch) {
      const status = Number(failMatch[1]);
      if (status === 500) return res.writeHead(500, { "content-type": "text/plain" }).end("database on fire");
      return json(res, status, { error: "not here", status });
    }
    if (method === "GET" && path === "/api/slow") {
      // Never answers: the caller gives up (timeout or cancellation) and closes the connection.
      const waiter = slow;
      res.on("close", () => waiter.closed.resolve());
      waiter.arrived.resolve();
      return;
    }
    if (method === "GET" && path === "/api/big") {
      // 4 MiB in 64 KiB chunks, no Content-Length: the reader has to cut it off itself.
      const closed = big;
      res.on("close", () => closed.resolve());
      res.writeHead(200, { "content-type": "text/plain" });
      const chunk = "x".repeat(64 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent < 64) {
          sent++;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      pump();
      return;
    }
    if (method === "GET" && (path === "/api/photo" || path === "/api/report")) {
      const type = path === "/api/photo" ? "image/png" : "application/pdf";
      return res.writeHead(200, { "content-type": type }).end(BINARY);
    }
    if (method === "GET" && path === "/api/lies") {
      return res.writeHead(api.lie.status, { "content-type": api.lie.type }).end(api.lie.body);
    }
    if (method === "GET" && path.startsWith("/api/files/")) return json(res, 200, { got: raw });
    if (method === "GET" && path === "/api/echo") return json(res, 200, { headers: req.headers, url: raw });
    if (method === "POST" && path === "/api/tree") return json(res, 200, { planted: JSON.parse(body) });
    if (method === "POST" && (path === "/api/form" || path === "/api/upload"))
      return json(res, 200, { type: req.headers["content-type"], body });
    const doc = method === "GET" && path.startsWith("/docs/") ? api.docs.get(path.slice(6)) : undefined;
    if (doc) return res.writeHead(200, { "content-type": doc.type }).end(doc.text);
    if (path.startsWith("/admin")) return json(res, 200, { admin: "reached" });
    if (method === "GET" && path === "/api/redirect") {
      return res.writeHead(302, { location: "http://127.0.0.1:9/steal" }).end();
    }
    json(res, 404, { error: `no route ${method} ${path}` });
  });
  const port = await listenLocal(server);
  api.origin = `http://127.0.0.1:${port}`;
  api.baseUrl = `${api.origin}/api`;
  api.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return api;
}
