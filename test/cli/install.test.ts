/**
 * `fastmcp-ts install` into each client's real config format and place (HOME and the working
 * directory pointed at temporary ones), Claude Code through a recording `claude` on PATH; every
 * entry written is checked by starting the server it describes.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, StdioTransport } from "../../src/index.js";
import { cliFixture, runCli } from "../helpers/cli.js";

const EXPORTS = cliFixture("exports-server.ts");

interface Entry {
  command: string;
  args: string[];
  env?: Record<string, string>;
  type?: string;
}

/** Starts the server an entry describes, as the client would (another working directory), and asks it for an env variable. */
async function startEntry(entry: Entry, cwd: string, variable: string): Promise<string> {
  const transport = new StdioTransport(entry.command, entry.args, {
    env: { ...process.env, ...entry.env } as Record<string, string>,
    cwd,
    stderr: "pipe",
  });
  await using client = await Client.connect(transport);
  return (await client.callTool("env", { name: variable })).text;
}

function readJson(file: string): Record<string, any> {
  return JSON.parse(readFileSync(file, "utf8"));
}

describe("fastmcp-ts install", { timeout: 90_000 }, () => {
  let dir: string;
  let home: string;
  let project: string;
  let bin: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "fastmcp-install-"));
    home = join(dir, "home");
    project = join(dir, "project");
    bin = join(dir, "bin");
    for (const made of [home, project, bin]) mkdirSync(made);
    // A recording `claude`: writes its arguments to $CLAUDE_RECORD; fails like Claude Code for a taken name.
    const claude = join(bin, "claude");
    writeFileSync(
      claude,
      `#!${process.execPath}
const args = process.argv.slice(2);
require("node:fs").writeFileSync(process.env.CLAUDE_RECORD, JSON.stringify(args));
if (args[2] === "taken") { console.error("MCP server taken already exists in local config"); process.exit(1); }
console.log("Added stdio MCP server " + args[2]);
`,
    );
    chmodSync(claude, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes Claude Desktop, Cursor, Gemini and VS Code configs in their formats, keeping what was there; each entry starts the server", async () => {
    const desktop = join(dir, "desktop", "claude_desktop_config.json");
    mkdirSync(join(dir, "desktop"));
    writeFileSync(
      desktop,
      JSON.stringify({
        globalShortcut: "Ctrl+Space",
        mcpServers: { weather: { command: "weather-mcp", args: [] } },
      }),
    );
    mkdirSync(join(home, ".cursor"));
    writeFileSync(
      join(home, ".cursor", "mcp.json"),
      JSON.stringify({
        mcpServers: { exported: { command: "old", args: [], env: { OLD: "kept", API_KEY: "old" } } },
      }),
    );
    mkdirSync(join(project, ".vscode"));
    writeFileSync(
      join(project, ".vscode", "mcp.json"),
      JSON.stringify({ inputs: [{ id: "key" }], servers: {} }),
    );
    const env = { HOME: home, USERPROFILE: home };
    const results = await Promise.all([
      runCli(["install", "claude-desktop", EXPORTS, "--config-path", desktop, "--env", "API_KEY=desk"], {
        env,
      }),
      runCli(["install", "cursor", EXPORTS, "-e", "API_KEY=cur"], { env }),
      runCli(["install", "gemini", EXPORTS, "--name", "calc", "--env", "API_KEY=gem"], { env }),
      runCli(["install", "vscode", `${EXPORTS}:mcp`, "--env", "API_KEY=vs"], { env, cwd: project }),
    ]);
    for (const result of results) {
      expect(result.stderr).toMatch(/✓ Added \S+ to /);
      expect(result.code).toBe(0);
    }

    const desktopConfig = readJson(desktop);
    expect(desktopConfig.globalShortcut).toBe("Ctrl+Space");
    expect(desktopConfig.mcpServers.weather).toEqual({ command: "weather-mcp", args: [] });
    const desktopEntry = desktopConfig.mcpServers.exported as Entry;
    expect(desktopEntry.command).toBe(process.execPath);
    expect(desktopEntry.args.slice(-2)).toEqual(["run", EXPORTS]);
    expect(desktopEntry.env).toEqual({ API_KEY: "desk" });

    const cursorEntry = readJson(join(home, ".cursor", "mcp.json")).mcpServers.exported as Entry;
    expect(cursorEntry.env).toEqual({ OLD: "kept", API_KEY: "cur" }); // same name: replaced, its other env kept

    const gemini = readJson(join(home, ".gemini", "settings.json"));
    expect(Object.keys(gemini.mcpServers)).toEqual(["calc"]);

    const vscode = readJson(join(project, ".vscode", "mcp.json"));
    expect(vscode.inputs).toEqual([{ id: "key" }]);
    expect(vscode.mcpServers).toBeUndefined();
    const vscodeEntry = vscode.servers.exported as Entry;
    expect(vscodeEntry.type).toBe("stdio");
    expect(vscodeEntry.args.slice(-2)).toEqual(["run", `${EXPORTS}:mcp`]);

    const answers = await Promise.all([
      startEntry(desktopEntry, dir, "API_KEY"),
      startEntry(cursorEntry, home, "OLD"),
      startEntry(gemini.mcpServers.calc, home, "API_KEY"),
      startEntry(vscodeEntry, project, "API_KEY"),
    ]);
    expect(answers).toEqual(["desk", "kept", "gem", "vs"]);
  });

  it("adds to Claude Code through `claude mcp add`, and the command it was given starts the server", async () => {
    const record = join(dir, "claude-args.json");
    const env = { PATH: `${bin}:${process.env.PATH}`, CLAUDE_RECORD: record, HOME: home };
    const added = await runCli(
      ["install", "claude-code", EXPORTS, "--scope", "user", "--env", "API_KEY=cc"],
      { env },
    );
    expect(added.stderr).toContain("✓ Added exported to Claude Code");
    expect(added.code).toBe(0);
    const args = JSON.parse(readFileSync(record, "utf8")) as string[];
    expect(args.slice(0, 7)).toEqual(["mcp", "add", "exported", "--scope", "user", "-e", "API_KEY=cc"]);
    const split = args.indexOf("--");
    const [command, ...rest] = args.slice(split + 1) as [string, ...string[]];
    expect(rest.slice(-2)).toEqual(["run", EXPORTS]);
    expect(await startEntry({ command, args: rest, env: { API_KEY: "cc" } }, home, "API_KEY")).toBe("cc");

    const [taken, missing] = await Promise.all([
      runCli(["install", "claude-code", EXPORTS, "--name", "taken"], { env }),
      runCli(["install", "claude-code", EXPORTS], { env: { PATH: join(dir, "nowhere"), HOME: home } }),
    ]);
    expect(taken.code).toBe(1);
    expect(taken.stderr.trim()).toBe(
      "fastmcp-ts: claude mcp add failed (exit code 1): MCP server taken already exists in local config",
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^fastmcp-ts: Claude Code's claude command was not found on PATH/);
  });

  it("prints an mcp-json entry; installs ./fastmcp.json when given no file; finds Claude Desktop's directory under HOME", async () => {
    const withConfig = join(dir, "with-config");
    mkdirSync(withConfig);
    writeFileSync(
      join(withConfig, "fastmcp.json"),
      JSON.stringify({ source: { path: EXPORTS, entrypoint: "other" } }),
    );
    const xdgHome = join(dir, "xdg-home");
    mkdirSync(xdgHome);
    const env = { HOME: xdgHome, XDG_CONFIG_HOME: "" };
    const [printed, fromConfig, noDesktop] = await Promise.all([
      runCli(["install", "mcp-json", EXPORTS, "--env", "A=1"]),
      runCli(["install", "mcp-json"], { cwd: withConfig }),
      runCli(["install", "claude-desktop", EXPORTS], { env }),
    ]);
    const entry = JSON.parse(printed.stdout);
    expect(Object.keys(entry)).toEqual(["exported"]);
    expect(entry.exported.env).toEqual({ A: "1" });
    expect(entry.exported.args.slice(-2)).toEqual(["run", EXPORTS]);
    const configEntry = JSON.parse(fromConfig.stdout);
    expect(Object.keys(configEntry)).toEqual(["other"]); // the server's name, from the entrypoint
    expect(configEntry.other.args.slice(-2)).toEqual(["run", join(withConfig, "fastmcp.json")]);
    expect(noDesktop.code).toBe(1);
    expect(noDesktop.stderr).toMatch(
      /Claude Desktop's config directory \S+xdg-home\/\.config\/Claude does not exist/,
    );

    mkdirSync(join(xdgHome, ".config", "Claude"), { recursive: true });
    const installed = await runCli(["install", "claude-desktop", EXPORTS], { env });
    expect(installed.code).toBe(0);
    const written = readJson(join(xdgHome, ".config", "Claude", "claude_desktop_config.json"));
    expect(written.mcpServers.exported.args.slice(-2)).toEqual(["run", EXPORTS]);
  });

  it("leaves a broken config file alone and refuses bad flags", async () => {
    const broken = join(dir, "broken.json");
    const notObject = join(dir, "array.json");
    writeFileSync(broken, "{ // a comment, not JSON\n}");
    writeFileSync(notObject, JSON.stringify({ mcpServers: ["a"] }));
    const [notJson, arrayServers, unknownClient, badEnv, scope, url, badName] = await Promise.all([
      runCli(["install", "cursor", EXPORTS, "--config-path", broken]),
      runCli(["install", "cursor", EXPORTS, "--config-path", notObject]),
      runCli(["install", "notepad", EXPORTS]),
      runCli(["install", "cursor", EXPORTS, "--env", "NOEQUALS"]),
      runCli(["install", "cursor", EXPORTS, "--scope", "user"]),
      runCli(["install", "cursor", "http://127.0.0.1:9/mcp"]),
      runCli(["install", "mcp-json", EXPORTS, "--name", "bad\u0007name"]),
    ]);
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(/broken\.json is not valid JSON .*; it was not changed/);
    expect(readFileSync(broken, "utf8")).toBe("{ // a comment, not JSON\n}");
    expect(arrayServers.code).toBe(1);
    expect(arrayServers.stderr).toContain("mcpServers is not an object; the file was not changed");
    expect(readJson(notObject)).toEqual({ mcpServers: ["a"] });
    expect(unknownClient.code).toBe(2);
    expect(unknownClient.stderr).toMatch(/unknown client "notepad"; one of claude-desktop, claude-code/);
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toContain('--env takes KEY=VALUE with a variable name as KEY, not "NOEQUALS"');
    expect(scope.code).toBe(2);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain("install takes a server file (.ts or .js) or a fastmcp.json");
    expect(badName.code).toBe(2);
    expect(existsSync(join(dir, "broken.json.tmp"))).toBe(false);
  });

  it("writes `npx -y fastmcp-ts@<version>` when this CLI runs from npx's temporary cache, else this Node and script", async () => {
    const { launchCommand, recordSelf, packageVersion } = await import("../../src/cli/self.js");
    recordSelf("/home/u/.npm/_npx/0a1b2c/node_modules/fastmcp-ts/dist/cli/main.js");
    expect(await launchCommand()).toEqual({
      command: "npx",
      args: ["-y", `fastmcp-ts@${await packageVersion()}`],
    });
    recordSelf("/usr/lib/node_modules/fastmcp-ts/dist/cli/main.js");
    const installed = await launchCommand();
    expect(installed.command).toBe(process.execPath);
    expect(installed.args.at(-1)).toBe("/usr/lib/node_modules/fastmcp-ts/dist/cli/main.js");
  });

  it("stores a hostile name as a plain key, never as the document's prototype", async () => {
    const { writeEntry, FILE_CLIENTS } = await import("../../src/cli/install-clients.js");
    const file = join(dir, "proto.json");
    writeFileSync(file, JSON.stringify({ mcpServers: { keep: { command: "x", args: [] } } }));
    await writeEntry(file, FILE_CLIENTS.cursor as never, "__proto__", { command: "evil", args: [], env: {} });
    const text = readFileSync(file, "utf8");
    const written = JSON.parse(text);
    expect(Object.keys(written.mcpServers)).toEqual(["keep", "__proto__"]);
    expect(({} as Record<string, unknown>).command).toBeUndefined();
  });
});
