/**
 * Resolving a stdio server's command on Windows without a shell (it cannot run here: the system is
 * injected). `npx` is found as `npx.cmd` through PATH and PATHEXT and runs through
 * `cmd.exe /d /s /c` with its arguments quoted; an .exe runs directly; elsewhere nothing changes.
 */
import { describe, expect, it } from "vitest";
import { quoteForCmd, resolveCommand } from "../../src/transports/stdio/process-tree.js";

const FILES = new Set([
  "C:\\Program Files\\nodejs\\npx.cmd",
  "C:\\Program Files\\nodejs\\node.exe",
  "C:\\Tools\\uvx.exe",
  "C:\\Tools\\uvx.cmd",
  "C:\\work\\server.bat",
]);
const windows = (env: Record<string, string | undefined> = {}) => ({
  platform: "win32" as const,
  env: {
    Path: 'C:\\Windows\\System32;"C:\\Program Files\\nodejs\\";C:\\Tools',
    PATHEXT: ".COM;.EXE;.BAT;.CMD",
    ComSpec: "C:\\Windows\\System32\\cmd.exe",
    ...env,
  },
  isFile: (path: string) => FILES.has(path),
});

describe("resolveCommand on Windows", () => {
  it("runs npx.cmd through cmd.exe, found on PATH through PATHEXT, arguments quoted", () => {
    const plan = resolveCommand("npx", ["-y", "@modelcontextprotocol/server-everything"], windows());
    expect(plan).toEqual({
      command: "C:\\Windows\\System32\\cmd.exe",
      args: [
        "/d",
        "/s",
        "/c",
        '"^"C:\\Program^ Files\\nodejs\\npx.cmd^" ^^^"-y^^^" ^^^"@modelcontextprotocol/server-everything^^^""',
      ],
      verbatim: true,
    });
  });

  it("runs an .exe directly, taking PATHEXT's order (an .exe before a .cmd of the same name)", () => {
    expect(resolveCommand("uvx", ["mcp-server-time"], windows())).toEqual({
      command: "C:\\Tools\\uvx.exe",
      args: ["mcp-server-time"],
      verbatim: false,
    });
    expect(resolveCommand("node", ["server.js"], windows()).command).toBe(
      "C:\\Program Files\\nodejs\\node.exe",
    );
  });

  it("takes a path with a directory as it is, adding an extension from PATHEXT", () => {
    const plan = resolveCommand("C:\\work\\server", [], windows());
    expect(plan.command).toBe("C:\\Windows\\System32\\cmd.exe");
    expect(plan.args.at(-1)).toBe('"^"C:\\work\\server.bat^""');
    expect(resolveCommand("C:\\work\\server.bat", [], windows()).args).toEqual(plan.args);
  });

  it("leaves an unknown command to spawn, which reports it not found", () => {
    expect(resolveCommand("nope", ["a"], windows())).toEqual({
      command: "nope",
      args: ["a"],
      verbatim: false,
    });
  });

  it("falls back to the default PATHEXT and to cmd.exe", () => {
    const plan = resolveCommand("npx", [], windows({ PATHEXT: undefined, ComSpec: undefined }));
    expect(plan.command).toBe("cmd.exe");
  });

  it("changes nothing on POSIX", () => {
    expect(resolveCommand("npx", ["-y", "pkg"], { ...windows(), platform: "linux" })).toEqual({
      command: "npx",
      args: ["-y", "pkg"],
      verbatim: false,
    });
  });
});

describe("quoteForCmd", () => {
  it("quotes for the C runtime: quotes escaped, backslashes before them doubled", () => {
    expect(quoteForCmd('say "hi"', false)).toBe('^"say^ \\^"hi\\^"^"');
    expect(quoteForCmd("C:\\dir\\", false)).toBe('^"C:\\dir\\\\^"');
    expect(quoteForCmd('a\\"b', false)).toBe('^"a\\\\\\^"b^"');
  });

  it("escapes every cmd.exe metacharacter, twice for a batch file", () => {
    expect(quoteForCmd("a&b|c<d>e^f%g!h", false)).toBe('^"a^&b^|c^<d^>e^^f^%g^!h^"');
    expect(quoteForCmd("&", true)).toBe('^^^"^^^&^^^"');
  });
});
