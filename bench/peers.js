// The peer frameworks of `npm run bench` (tmcp, mcp-lite, punkpeye fastmcp), pinned in
// bench/peers/package.json + package-lock.json and installed there on first use, never by the root
// `npm install`: `ensurePeers()` runs `npm ci --prefix bench/peers` when they are missing.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const PEERS_DIR = fileURLToPath(new URL("./peers/", import.meta.url));

/** Installs the pinned peers unless they already are; returns their installed versions. */
export function ensurePeers() {
  if (!existsSync(`${PEERS_DIR}node_modules/.package-lock.json`)) {
    console.log("installing the bench peers (npm ci --prefix bench/peers)...");
    execFileSync("npm", ["ci", "--prefix", PEERS_DIR, "--ignore-scripts", "--no-audit", "--no-fund"], {
      stdio: "inherit",
    });
  }
  const version = (name) =>
    JSON.parse(readFileSync(`${PEERS_DIR}node_modules/${name}/package.json`, "utf8")).version;
  return {
    tmcp: version("tmcp"),
    "@tmcp/transport-stdio": version("@tmcp/transport-stdio"),
    "@tmcp/adapter-zod": version("@tmcp/adapter-zod"),
    "mcp-lite": version("mcp-lite"),
    "fastmcp (punkpeye)": version("fastmcp"),
  };
}

/** The path of a peer server script (bench/peers/servers/<name>.js). */
export const peerScript = (name) => `${PEERS_DIR}servers/${name}.js`;
