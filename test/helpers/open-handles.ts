/** Socket leak checks: the listening servers and TCP sockets this process holds open. */

/** Listening servers and open TCP sockets of this process (from Node's active resources). */
export function openHandles(): { servers: number; sockets: number } {
  const active = process.getActiveResourcesInfo();
  return {
    servers: active.filter((name) => name === "TCPServerWrap").length,
    sockets: active.filter((name) => name === "TCPSocketWrap").length,
  };
}

/** Waits until no server or socket beyond `before` is open; throws naming what is left. */
export async function expectNoNewHandles(
  before: { servers: number; sockets: number },
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let now = openHandles();
  while (now.servers > before.servers || now.sockets > before.sockets) {
    if (Date.now() > deadline) {
      throw new Error(
        `Still open after cleanup: ${now.servers - before.servers} server(s), ` +
          `${now.sockets - before.sockets} socket(s)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
    now = openHandles();
  }
}
