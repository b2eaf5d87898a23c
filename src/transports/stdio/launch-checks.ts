/**
 * What the script launchers (PythonStdioTransport, NodeStdioTransport) check before spawning: that
 * the script exists, and which Python is on PATH. Loaded by their first `connect()`, with the
 * process code.
 */
import { ConnectionError } from "../../errors.js";

export async function requireFile(path: string, what: string): Promise<void> {
  const { stat } = await import("node:fs/promises");
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new ConnectionError(`${what} not found: ${path}`);
}

/** `python`, or `python3` where only that one is on PATH (defaults differ between systems). */
export async function pythonCommand(env: Record<string, string | undefined>): Promise<string> {
  if (!(await onPath("python", env)) && (await onPath("python3", env))) return "python3";
  return "python";
}

/** Whether an executable of that name is on PATH. */
async function onPath(name: string, env: Record<string, string | undefined>): Promise<boolean> {
  const { access, constants } = await import("node:fs/promises");
  const { delimiter, join } = await import("node:path");
  const dirs = (env.PATH ?? process.env.PATH ?? "").split(delimiter).filter(Boolean);
  for (const dir of dirs) {
    const ok = await access(join(dir, name), constants.X_OK).then(
      () => true,
      () => false,
    );
    if (ok) return true;
  }
  return false;
}
