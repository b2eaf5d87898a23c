/** `fastmcp-ts version`: the package, Node and the protocol revisions served. */
import { LEGACY_PROTOCOL_VERSIONS, MODERN_PROTOCOL_VERSIONS } from "../protocol/versions.js";
import { type CommandSpec, helpText, parseCommand } from "./args.js";
import { packageVersion } from "./self.js";

export const VERSION: CommandSpec = {
  name: "version",
  usage: "fastmcp-ts version [--json]",
  help: "Prints the versions of fastmcp-ts and Node, the platform, and the MCP revisions served.\n\n      --json  as JSON",
  options: { json: { type: "boolean" } },
  positionals: [0, 0],
};

export async function versionCommand(argv: string[]): Promise<void> {
  const { values } = parseCommand(VERSION, argv);
  if (values.help) return void process.stdout.write(helpText(VERSION));
  const info = {
    fastmcpTs: await packageVersion(),
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    protocolVersions: [...MODERN_PROTOCOL_VERSIONS, ...LEGACY_PROTOCOL_VERSIONS],
  };
  if (values.json) return void process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
  process.stdout.write(
    `fastmcp-ts ${info.fastmcpTs}\nNode       ${info.node} (${info.platform})\nMCP        ${info.protocolVersions.join(", ")}\n`,
  );
}
