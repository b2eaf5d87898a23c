/**
 * The requestState key every instance shares, when the store loses it (Redis restarted without
 * persistence, flushed): an instance started afterwards makes another key, and the instances
 * converge on one without refusing the input rounds in flight. Two in-process instances share a
 * MemoryStore, which is wiped between their starts.
 */
import { afterAll, expect, it } from "vitest";
import type { FastMCP } from "../../src/index.js";
import type { ListeningServer } from "../../src/transports/http/app.js";
import { buildScaleOutServer } from "../fixtures/scale-out-tools.js";
import { finishAsk, startAsk } from "../helpers/input-round.js";
import { MemoryStore } from "../helpers/memory-store.js";

const store = new MemoryStore();
const servers: FastMCP[] = [];
const listening: ListeningServer[] = [];

async function start(name: string): Promise<string> {
  const server = buildScaleOutServer(name, async () => {});
  servers.push(server);
  const listened = await server.listen({ port: 0, store });
  listening.push(listened);
  return listened.url;
}

afterAll(async () => {
  await Promise.all(listening.map((server) => server.close()));
  await Promise.all(servers.map((server) => server.close()));
});

it("instances that made different keys converge on one, and rounds sealed with the old key still open where they were sealed", async () => {
  const a = await start("A");
  const beforeWipe = await startAsk(a);
  await store.delete("request-state-key");
  const b = await start("B");
  // B made its own key: A takes it on the first state it cannot open with its own.
  expect(await finishAsk(a, await startAsk(b), "Rome")).toBe("A heard Rome");
  expect(await finishAsk(a, beforeWipe, "Oslo")).toBe("A heard Oslo");
  expect(await finishAsk(b, await startAsk(a), "Paris")).toBe("B heard Paris");
  // Still no way in for a state nobody sealed.
  const forged = { ...(await startAsk(a)), requestState: `${"x".repeat(40)}.${"y".repeat(43)}` };
  expect(await finishAsk(a, forged, "Nowhere")).toMatch(/^error: .*Invalid requestState/);
  expect(await finishAsk(b, forged, "Nowhere")).toMatch(/^error: .*Invalid requestState/);
});
