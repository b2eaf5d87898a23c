/**
 * `auth: "oauth"`: an OAuth with its defaults (system browser, loopback listener), loaded on first
 * use. The root entry point never loads the OAuth module; the shorthand drives a whole login
 * through the real browser opener (here an `xdg-open` on PATH that plays the browser).
 */
import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { Client } from "../../src/index.js";
import { startOAuthServers } from "../helpers/oauth-server.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "fastmcp-oauth-lazy-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The modules a fresh process resolves while running `code` (an ES module body). */
async function modulesLoadedBy(code: string): Promise<string[]> {
  const record = join(await tempDir(), "modules.txt");
  await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "--import", "./test/fixtures/record-modules.mjs", "--input-type=module", "-e", code],
    { cwd: ROOT, timeout: 60_000, env: { ...process.env, RECORD_MODULES: record } },
  );
  return (await readFile(record, "utf8")).split("\n").filter(Boolean);
}

const isOAuthModule = (url: string) => /\/src\/auth\/client\/oauth\.ts$/.test(url);

describe('auth: "oauth"', () => {
  it("import('fastmcp-ts') and a Client with auth \"oauth\" do not load the OAuth module until it is used", async () => {
    const unused = await modulesLoadedBy(
      `const { Client } = await import("./src/index.ts");
       new Client("http://127.0.0.1:9/mcp", { auth: "oauth" });`,
    );
    expect(unused.some((url) => url.endsWith("/src/index.ts"))).toBe(true);
    expect(unused.filter(isOAuthModule)).toEqual([]);
    // The recorder sees the module when it is used: the check above can fail.
    const used = await modulesLoadedBy(
      `const { resolveAuth } = await import("./src/auth/client/resolve.ts");
       console.log(JSON.stringify(await resolveAuth("oauth").headers("http://127.0.0.1:9/mcp")));`,
    );
    expect(used.filter(isOAuthModule)).toHaveLength(1);
  });

  it("logs in through the system browser opener and the loopback listener", async () => {
    const servers = await startOAuthServers();
    cleanups.push(() => servers.close());
    // The "system browser": an xdg-open that requests the URL and follows its redirects.
    const bin = await tempDir();
    const opener = join(bin, "xdg-open");
    await writeFile(
      opener,
      `#!/bin/sh\nexec "${process.execPath}" -e 'fetch(process.argv[1]).then((r) => r.text())' "$1"\n`,
    );
    await chmod(opener, 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    cleanups.push(async () => {
      process.env.PATH = path;
    });

    const client = new Client(servers.mcpUrl, { auth: "oauth", timeout: 20_000 });
    cleanups.push(() => client.close());
    await client.connect();
    expect((await client.callTool("whoami", {})).text).toMatch(/^client-/);
    expect(servers.counts).toMatchObject({ register: 1, authorize: 1, token: 1 });
  });
});
