// The network benchmark's plumbing (bench/scenarios/http.js):
//   - server subprocesses (bench/servers/http-*.js), forked with an IPC control channel that reports
//     their CPU time and memory (bench/servers/control.js);
//   - one raw load client for every server: pre-built requests (JSON-RPC bodies, each era's headers)
//     on kept-alive node:net sockets, one call in flight per socket (bench/http-raw.js; plus the same
//     messages over SSE and WebSocket), so the only thing that differs between rows is the server.
//     It spends far less CPU per call than the servers it loads (node:http's client spent more than
//     fastmcp-ts's server), so with calls in flight on a few cores the figures are the servers'.
// Every call checks its answer, so an error is never timed as a call.
import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { fileURLToPath } from "node:url";
import { WebSocket } from "ws";
import { rawClient, route } from "./http-raw.js";

export { rawClient };

export const MODERN = "2026-07-28";
export const LEGACY = "2025-11-25";
const CLIENT_INFO = { name: "bench-load", version: "1.0.0" };
const ARGS = { a: 20, b: 22 };
const EXPECTED = "42";
const START_TIMEOUT_MS = 15_000;

// ---- server subprocesses ----------------------------------------------------------------------

/** bench/servers/http-<name>.js, or for a peer framework bench/peers/servers/http-<name>.js. */
function serverScript(name) {
  const own = fileURLToPath(new URL(`./servers/http-${name}.js`, import.meta.url));
  return existsSync(own) ? own : fileURLToPath(new URL(`./peers/servers/http-${name}.js`, import.meta.url));
}

/**
 * Forks the server script of `name` with `args` (with --expose-gc, and --cpu-prof when `cpuProfDir`
 * is set) and resolves once it listens: `{ name, pid, urls, stats(gc), stop() }`. `stats(true)`
 * forces a GC in the server first; it resolves to `{ cpuMicros, rss, heapUsed, external, arrayBuffers }`.
 */
export async function startServer(name, { cpuProfDir, args = [] } = {}) {
  const script = serverScript(name);
  const execArgv = ["--expose-gc"];
  if (cpuProfDir)
    execArgv.push("--cpu-prof", `--cpu-prof-dir=${cpuProfDir}`, `--cpu-prof-name=http-${name}.cpuprofile`);
  const child = fork(script, args, { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const waiting = new Map();
  let seq = 0;
  const urls = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} server did not start`)), START_TIMEOUT_MS);
    child.once("exit", (code) => reject(new Error(`${name} server exited with code ${code}`)));
    child.on("message", (message) => {
      if (message?.ready) {
        clearTimeout(timer);
        resolve(message.urls);
        return;
      }
      waiting.get(message?.id)?.(message);
      waiting.delete(message?.id);
    });
  });
  return {
    name,
    pid: child.pid,
    urls,
    stats(gc = false) {
      return new Promise((resolve) => {
        const id = ++seq;
        waiting.set(id, resolve);
        child.send({ cmd: "stats", id, gc });
      });
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
        child.once("exit", () => {
          clearTimeout(killer);
          resolve();
        });
        child.send({ cmd: "exit" });
      });
    },
  };
}

// ---- Streamable HTTP ----------------------------------------------------------------------------

/** The JSON-RPC response in a reply: a JSON body, or the response event of an SSE body. */
function responseIn(reply) {
  if (!String(reply.headers["content-type"]).startsWith("text/event-stream")) return JSON.parse(reply.text);
  for (const block of reply.text.split("\n\n")) {
    const data = block
      .split("\n")
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(line[5] === " " ? 6 : 5))
      .join("\n");
    if (!data) continue;
    const message = JSON.parse(data);
    if ("result" in message || "error" in message) return message;
  }
  throw new Error(`no JSON-RPC response in the SSE reply: ${reply.text.slice(0, 200)}`);
}

function fail(label, what, detail) {
  throw new Error(`${label}: ${what}: ${String(detail).slice(0, 300)}`);
}

function expectStatus(label, reply, status) {
  if (reply.status !== status) fail(label, `HTTP ${reply.status}, expected ${status}`, reply.text);
}

function checkAdd(label, message) {
  if (message?.result?.content?.[0]?.text !== EXPECTED) fail(label, "add failed", JSON.stringify(message));
}

let nextId = 0;

/**
 * Pre-built JSON-RPC request bodies: everything but the id is serialized once, so a call costs one
 * string concatenation. Ids are unique per process (sessions map replies by id).
 */
function requestBody(method, params) {
  const tail = JSON.stringify({ method, params }).slice(1);
  return () => `{"jsonrpc":"2.0","id":${++nextId},${tail}`;
}

const notificationBody = (method) => JSON.stringify({ jsonrpc: "2.0", method });

/** initialize asking for `protocolVersion` (default LEGACY); one builder per version. */
const initializeBodies = new Map();
function initializeBody(protocolVersion = LEGACY) {
  let body = initializeBodies.get(protocolVersion);
  if (!body) {
    body = requestBody("initialize", { protocolVersion, capabilities: {}, clientInfo: CLIENT_INFO });
    initializeBodies.set(protocolVersion, body);
  }
  return body();
}

const legacyCallBody = requestBody("tools/call", { name: "add", arguments: ARGS });

const modernCallBody = requestBody("tools/call", {
  name: "add",
  arguments: ARGS,
  _meta: {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientInfo": CLIENT_INFO,
    "io.modelcontextprotocol/clientCapabilities": {},
  },
});

const POST_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

/**
 * 2026-07-28 Streamable HTTP: no session; the `_meta` envelope plus its mirrored headers. `url` may
 * be a list: the calls go round-robin over it.
 */
export function modernConnection(url, label) {
  const client = rawClient();
  const request = route(client, url, label);
  const post = request("POST", {
    ...POST_HEADERS,
    "mcp-protocol-version": MODERN,
    "mcp-method": "tools/call",
    "mcp-name": "add",
  });
  return {
    call: async () => {
      const reply = await post(modernCallBody());
      expectStatus(label, reply, 200);
      checkAdd(label, responseIn(reply));
    },
    close: async () => client.destroy(),
    protocolVersion: MODERN,
    era: "modern",
  };
}

/**
 * 2025-era Streamable HTTP without a session (stateless servers): the version header only.
 * `protocolVersion`: the 2025-era version to send (default LEGACY; a server's newest if older).
 */
export function legacyStatelessConnection(url, label, protocolVersion = LEGACY) {
  const client = rawClient();
  const request = route(client, url, label);
  const post = request("POST", { ...POST_HEADERS, "mcp-protocol-version": protocolVersion });
  return {
    call: async () => {
      const reply = await post(legacyCallBody());
      expectStatus(label, reply, 200);
      checkAdd(label, responseIn(reply));
    },
    close: async () => client.destroy(),
    protocolVersion,
    era: "legacy",
  };
}

/**
 * 2025-era Streamable HTTP session: initialize once (which mints Mcp-Session-Id), send
 * notifications/initialized, then call with Mcp-Session-Id and MCP-Protocol-Version. `close` ends the
 * session with DELETE (and closes the session's own sockets). Pass `client` (rawClient()) to share
 * sockets among many sessions; `askVersion` is the version initialize asks for (default LEGACY; a
 * server's newest if it does not know LEGACY). `url` may be a list (instances sharing a store): then
 * every exchange of the session, initialize included, goes to the next one.
 */
export async function legacySessionConnection(url, label, shared = undefined, askVersion = LEGACY) {
  const client = shared ?? rawClient();
  const request = route(client, url, label);
  const init = await request("POST", POST_HEADERS)(initializeBody(askVersion));
  expectStatus(label, init, 200);
  const sessionId = init.headers["mcp-session-id"];
  if (!sessionId) fail(label, "initialize returned no Mcp-Session-Id", init.text);
  const protocolVersion = responseIn(init).result?.protocolVersion;
  if (!protocolVersion) fail(label, "initialize failed", init.text);
  const { accept: _accept, ...deleteHeaders } = POST_HEADERS;
  const session = { "mcp-session-id": sessionId, "mcp-protocol-version": protocolVersion };
  const post = request("POST", { ...POST_HEADERS, ...session });
  expectStatus(label, await post(notificationBody("notifications/initialized")), 202);
  return {
    call: async () => {
      const reply = await post(legacyCallBody());
      expectStatus(label, reply, 200);
      checkAdd(label, responseIn(reply));
    },
    close: async () => {
      await request("DELETE", { ...deleteHeaders, ...session })().catch(() => {});
      if (!shared) client.destroy();
    },
    protocolVersion,
    era: "legacy",
  };
}

// ---- message channels: legacy SSE and WebSocket -------------------------------------------------

/** Matches replies arriving on a stream to the requests awaiting them, by id. */
function replyRouter(label) {
  const waiting = new Map();
  return {
    wait(id) {
      return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
    },
    deliver(message) {
      const entry = waiting.get(message.id);
      if (!entry) return;
      waiting.delete(message.id);
      entry.resolve(message);
    },
    failAll(error) {
      for (const entry of waiting.values()) entry.reject(error);
      waiting.clear();
    },
    label,
  };
}

/** Initializes a channel session through `request` and sends notifications/initialized. */
async function initializeChannel(label, request, notify) {
  const init = await request(initializeBody());
  const protocolVersion = init.result?.protocolVersion;
  if (!protocolVersion) fail(label, "initialize failed", JSON.stringify(init));
  await notify(notificationBody("notifications/initialized"));
  return protocolVersion;
}

/**
 * Legacy HTTP+SSE: GET the stream, read its `endpoint` event, POST each message there (202) and
 * read its answer from the stream. The POSTs go through `client` (rawClient(); pass one to share its
 * sockets among sessions); the stream, one long GET, goes through node:http on a socket of its own.
 */
export async function sseConnection(url, label, shared = undefined) {
  const client = shared ?? rawClient();
  const router = replyRouter(label);
  let stream;
  const endpointPath = await new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: "GET", headers: { accept: "text/event-stream" }, agent: false },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`${label}: GET stream answered HTTP ${res.statusCode}`));
          res.resume();
          return;
        }
        stream = res;
        res.setEncoding("utf8");
        let buffer = "";
        res.on("data", (chunk) => {
          buffer += chunk;
          let end = buffer.indexOf("\n\n");
          while (end !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf("\n\n");
            let event = "message";
            let data = "";
            for (const line of block.split("\n")) {
              if (line.startsWith("event:")) event = line.slice(6).trim();
              else if (line.startsWith("data:"))
                data += (data ? "\n" : "") + line.slice(line[5] === " " ? 6 : 5);
            }
            if (event === "endpoint") resolve(data);
            else if (event === "message" && data) router.deliver(JSON.parse(data));
          }
        });
        res.once("close", () => router.failAll(new Error(`${label}: the SSE stream closed`)));
      },
    );
    req.on("error", reject);
    req.end();
  });
  const messages = route(client, new URL(endpointPath, url).href, label);
  const post = messages("POST", { "content-type": "application/json" });
  const notify = async (body) => expectStatus(label, await post(body), 202);
  const request = async (body) => {
    const answer = router.wait(nextId); // the id `body` was just built with
    await notify(body);
    return answer;
  };
  const protocolVersion = await initializeChannel(label, request, notify);
  return {
    call: async () => checkAdd(label, await request(legacyCallBody())),
    close: async () => {
      stream?.destroy();
      if (!shared) client.destroy();
    },
    protocolVersion,
    era: "legacy",
  };
}

/** WebSocket (subprotocol `mcp`): one JSON-RPC message per text frame, the connection is the session. */
export async function wsConnection(url, label) {
  const router = replyRouter(label);
  const ws = new WebSocket(url, "mcp", { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  ws.on("message", (data) => router.deliver(JSON.parse(data.toString())));
  ws.once("close", () => router.failAll(new Error(`${label}: the WebSocket closed`)));
  const request = (body) => {
    const answer = router.wait(nextId); // the id `body` was just built with
    ws.send(body);
    return answer;
  };
  const protocolVersion = await initializeChannel(label, request, async (body) => ws.send(body));
  return {
    call: async () => checkAdd(label, await request(legacyCallBody())),
    close: async () => ws.terminate(),
    protocolVersion,
    era: "legacy",
  };
}
