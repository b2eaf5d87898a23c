/**
 * Our conformance client programs, bundled once per test file (test/helpers/bundle.ts): each
 * scenario run then starts plain JavaScript instead of compiling TypeScript through tsx, which on a
 * busy 2-core machine is most of a client run's CPU.
 */
import { fileURLToPath } from "node:url";
import { type Bundle, bundleProgram } from "../helpers/bundle.js";

/** Bundles the client program `name` (e.g. "client.ts", next to this file). */
export function bundleClient(name: string): Promise<Bundle> {
  return bundleProgram(fileURLToPath(new URL(`./${name}`, import.meta.url)));
}
