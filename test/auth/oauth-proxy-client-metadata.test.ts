/**
 * Client ID metadata documents at an OAuthProxy: a `client_id` that is a URL whose JSON the proxy
 * fetches. A real document server on 127.0.0.1 serves good and hostile documents; by default the
 * proxy never connects to a loopback or private address, and with `allowPrivateNetwork` it reads
 * the document with a size cap, a deadline and no redirects.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_REDIRECT, pkce } from "../helpers/oauth-browser.js";
import { type ProxyRig, startProxyRig } from "../helpers/oauth-proxy-rig.js";

let documents: Server;
let docOrigin: string;
let connections = 0;
const hits = new Map<string, number>();
let strict: ProxyRig;
let open: ProxyRig;

const doc = (path: string) => `${docOrigin}${path}`;

beforeAll(async () => {
  documents = createServer((req, res) => {
    const path = req.url ?? "/";
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const json = (value: unknown) =>
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(value));
    const good = { client_id: doc(path), client_name: "Doc Client", redirect_uris: [CLIENT_REDIRECT] };
    if (path === "/good.json" || path === "/cached.json") return json(good);
    if (path === "/mismatch.json") return json({ ...good, client_id: doc("/good.json") });
    if (path === "/secret.json") return json({ ...good, token_endpoint_auth_method: "client_secret_basic" });
    if (path === "/evil-redirect.json") return json({ ...good, redirect_uris: ["javascript:alert(1)"] });
    if (path === "/huge.json") return json({ ...good, padding: "x".repeat(20_000) });
    if (path === "/redirect.json") return res.writeHead(302, { location: doc("/good.json") }).end();
    if (path === "/slow.json") return; // never answers
    res.writeHead(404).end();
  });
  documents.on("connection", () => {
    connections++;
  });
  await new Promise<void>((resolve) => documents.listen(0, "127.0.0.1", resolve));
  docOrigin = `http://127.0.0.1:${(documents.address() as AddressInfo).port}`;
  strict = await startProxyRig();
  open = await startProxyRig({ clientMetadataDocuments: { allowPrivateNetwork: true, timeoutMs: 1000 } });
});

afterAll(async () => {
  await strict?.close();
  await open?.close();
  documents.closeAllConnections();
  await new Promise<void>((resolve) => documents.close(() => resolve()));
});

async function authorizeStatus(rig: ProxyRig, clientId: string): Promise<number> {
  const response = await fetch(rig.browser().toLocal(rig.authorizeUrl(clientId, pkce().challenge)), {
    redirect: "manual",
  });
  expect(response.headers.get("location")).toBeNull();
  await response.body?.cancel();
  return response.status;
}

describe("by default", () => {
  it("refuses http, loopback and private addresses without connecting to them", async () => {
    const port = new URL(docOrigin).port;
    const before = connections;
    for (const clientId of [
      doc("/good.json"),
      `https://127.0.0.1:${port}/good.json`,
      `https://localhost:${port}/good.json`,
      `https://[::1]:${port}/good.json`,
      `https://10.0.0.1:${port}/good.json`,
      `https://169.254.169.254/latest/meta-data`,
    ])
      expect(await authorizeStatus(strict, clientId), clientId).toBe(400);
    expect(connections).toBe(before);
  });

  it("advertises client_id_metadata_document_supported", async () => {
    const metadata = await (await fetch(`${strict.origin}/.well-known/oauth-authorization-server`)).json();
    expect(metadata.client_id_metadata_document_supported).toBe(true);
  });
});

describe("with allowPrivateNetwork", () => {
  it("logs a client in by its document: the consent page names it, the token endpoint takes it as a public client", async () => {
    const clientId = doc("/good.json");
    const { verifier, challenge } = pkce();
    const { html, back } = await open.authorizeInBrowser(open.browser(), clientId, challenge);
    expect(html).toContain("Doc Client");
    const tokens = await open.tokenRequest({
      grant_type: "authorization_code",
      code: back.searchParams.get("code") ?? "",
      redirect_uri: CLIENT_REDIRECT,
      client_id: clientId,
      code_verifier: verifier,
    });
    expect(tokens.status).toBe(200);
    expect(await open.whoami(tokens.body.access_token ?? "")).toBe(200);
  });

  it("reuses a fetched document for a while", async () => {
    const clientId = doc("/cached.json");
    const b = open.browser();
    expect((await b.go(open.authorizeUrl(clientId, pkce().challenge))).status).toBe(200);
    expect((await b.go(open.authorizeUrl(clientId, pkce().challenge))).status).toBe(200);
    expect(hits.get("/cached.json")).toBe(1);
  });

  it("refuses a document naming another client_id, a secret method, a bad redirect URI, an oversized one, a redirect, and one that never comes", async () => {
    const goodBefore = hits.get("/good.json") ?? 0;
    for (const path of [
      "/mismatch.json",
      "/secret.json",
      "/evil-redirect.json",
      "/huge.json",
      "/redirect.json",
      "/slow.json",
      "/missing.json",
    ])
      expect(await authorizeStatus(open, doc(path)), path).toBe(400);
    // The redirect was not followed.
    expect(hits.get("/redirect.json")).toBe(1);
    expect(hits.get("/good.json") ?? 0).toBe(goodBefore);
  });
});
