// Stdio cold start: from the client starting to connect (which spawns the server) to the first
// tool result. Runs are interleaved across stacks; each stack gets one unmeasured warm-up start.
import { collectGarbage, now, rotate, sleep, summarize } from "../harness.js";

async function startOnce(stack) {
  collectGarbage();
  const start = now();
  const connection = await stack.stdio();
  const connected = now();
  await connection.call();
  const done = now();
  await connection.close();
  return {
    total: done - start,
    connect: connected - start,
    protocolVersion: connection.protocolVersion,
    era: connection.era,
  };
}

export async function runColdStart(stacks, { runs, settleMs }) {
  const results = Object.fromEntries(stacks.map((stack) => [stack.id, { total: [], connect: [] }]));
  for (const stack of stacks) {
    const warm = await startOnce(stack);
    Object.assign(results[stack.id], { protocolVersion: warm.protocolVersion, era: warm.era });
    await sleep(settleMs);
  }
  for (let run = 0; run < runs; run++) {
    for (const stack of rotate(stacks, run)) {
      const sample = await startOnce(stack);
      results[stack.id].total.push(sample.total);
      results[stack.id].connect.push(sample.connect);
      await sleep(settleMs);
    }
  }
  return Object.fromEntries(
    Object.entries(results).map(([id, { total, connect, protocolVersion, era }]) => [
      id,
      { protocolVersion, era, total: summarize(total), connect: summarize(connect) },
    ]),
  );
}
