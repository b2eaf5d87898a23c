#!/usr/bin/env node
/**
 * The `fastmcp-ts` command (also installed as `fastmcp`): run, develop, inspect, call and install
 * MCP servers. Each command's module loads only when that command runs, so `--help` and `version`
 * start fast and `import("fastmcp-ts")` never loads any of this.
 *
 *   fastmcp-ts run server.ts --transport http --port 8080
 *   fastmcp-ts call "python server.py" add a=5 b=3
 *   fastmcp-ts install claude-desktop server.ts --env API_KEY=...
 */
import { realpathSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { recordSelf } from "./self.js";
import { CliError, debugEnabled, errorText, paint, UsageError } from "./ui.js";

recordSelf(fileURLToPath(import.meta.url));

const USAGE = `Usage: fastmcp-ts <command> [options]

Commands:
  run [target]            serve a server file (.ts or .js), a fastmcp.json, or a proxy of a URL,
                          command or mcp.json
  dev [file]              run a server under the MCP Inspector, restarting it when files change
  inspect <target>        a server's info, capabilities, tools, resources, templates and prompts
  list <target>           its tools, resources, templates and prompts
  call <target> <tool>    call a tool with a JSON object or key=value arguments
  install <client> [file] add the server to claude-desktop, claude-code, cursor, vscode, gemini,
                          or print an mcp-json entry
  version                 versions of fastmcp-ts, Node and the MCP revisions served

Run fastmcp-ts <command> --help for a command's options. FASTMCP_DEBUG=1 or --debug shows stacks.
`;

type Command = (argv: string[]) => Promise<void>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import("./run.js")).runCommand,
  dev: async () => (await import("./dev.js")).devCommand,
  inspect: async () => (await import("./client-commands.js")).inspectCommand,
  list: async () => (await import("./client-commands.js")).listCommand,
  call: async () => (await import("./client-commands.js")).callCommand,
  install: async () => (await import("./install.js")).installCommand,
  version: async () => (await import("./version.js")).versionCommand,
};

/** Runs the CLI with these arguments (without node and the script). */
export async function main(argv: string[]): Promise<void> {
  // `--debug` may come before the command too (`fastmcp-ts --debug run x`); errorText reads it from argv.
  const [command, ...rest] = argv[0] === "--debug" ? argv.slice(1) : argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(USAGE);
    return;
  }
  if (command === "--version" || command === "-V") return (await COMMANDS.version?.())?.(rest);
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!load) {
    throw new UsageError(
      `unknown command ${JSON.stringify(command)}`,
      "Usage: fastmcp-ts <run|dev|inspect|list|call|install|version> [options]; fastmcp-ts --help lists them",
    );
  }
  await (await load())(rest);
}

/** Prints an error as one line (two for usage errors) on stderr and sets the exit code. */
export function report(error: unknown, argv: readonly string[]): void {
  const debug = debugEnabled(argv);
  const c = paint(process.stderr);
  process.stderr.write(`${c.red("fastmcp-ts:")} ${errorText(error, debug)}\n`);
  process.exitCode = error instanceof CliError ? error.exitCode : 1;
}

function invokedDirectly(): boolean {
  try {
    // npm links the bin: compare real paths.
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1] ?? "")).href;
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  const argv = process.argv.slice(2);
  main(argv).catch((error: unknown) => report(error, argv));
}
