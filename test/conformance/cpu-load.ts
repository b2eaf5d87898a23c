/**
 * CPU load for the conformance client runs: child processes that keep a core busy, so that races
 * which only show on a busy machine (a stream not yet open when the first call goes out) show in
 * the tests too.
 *
 * Each burner spins in 50 ms slices and yields between them, so it notices its stdin closing: it
 * exits when the test process goes away, however that happens, and after `maxLifetimeMs` at most.
 */
import { type ChildProcess, spawn } from "node:child_process";

const BURNER = `
const end = Date.now() + Number(process.argv[1]);
process.stdin.on("end", () => process.exit(0));
process.stdin.on("close", () => process.exit(0));
process.stdin.resume();
const burn = () => {
  const slice = Date.now() + 50;
  while (Date.now() < slice) {}
  if (Date.now() > end) process.exit(0);
  setImmediate(burn);
};
burn();
`;

/** Starts `count` CPU-bound processes; the returned function ends them and waits until they have. */
export function startCpuLoad(count: number, maxLifetimeMs = 600_000): () => Promise<void> {
  const burners: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    burners.push(
      spawn(process.execPath, ["-e", BURNER, String(maxLifetimeMs)], { stdio: ["pipe", "ignore", "ignore"] }),
    );
  }
  return async () => {
    await Promise.all(
      burners.map(
        (burner) =>
          new Promise<void>((resolve) => {
            if (burner.exitCode !== null || burner.signalCode !== null) return resolve();
            burner.once("exit", () => resolve());
            burner.kill("SIGKILL");
          }),
      ),
    );
  };
}
