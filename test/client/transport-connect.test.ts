/**
 * ClientTransport.connect() loads the request engine on a process's first connect (importing the
 * transports does not load it): a second connect() begun while it loads still finds the transport
 * connected and rejects, as it does once the engine is loaded.
 */
import { describe, expect, it, vi } from "vitest";

/** The base class and ClientError, from a fresh module registry (so no engine is loaded yet). */
async function fresh() {
  vi.resetModules();
  const { ClientTransport } = await import("../../src/transports/base.js");
  const { ClientError } = await import("../../src/errors.js");
  class Silent extends ClientTransport {
    describe() {
      return "silent";
    }
    protected async open() {}
    protected send() {}
    protected async close() {}
  }
  return { Silent, ClientError };
}

describe("ClientTransport.connect()", () => {
  it("rejects a second connect() begun while the first loads the engine", async () => {
    const { Silent, ClientError } = await fresh();
    const transport = new Silent();
    const [first, second] = await Promise.allSettled([transport.connect(), transport.connect()]);
    expect(first.status).toBe("fulfilled");
    expect(second.status).toBe("rejected");
    const reason = (second as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(ClientError);
    expect(reason.message).toBe("Transport silent is already connected");
    expect(transport.connected).toBe(true);
    await transport.disconnect();
    expect(transport.connected).toBe(false);
  });

  it("rejects a second connect() once the engine is loaded, and connects again after disconnect()", async () => {
    const { Silent, ClientError } = await fresh();
    await new Silent().connect();
    const transport = new Silent();
    const [first, second] = await Promise.allSettled([transport.connect(), transport.connect()]);
    expect(first.status).toBe("fulfilled");
    expect((second as PromiseRejectedResult).reason).toBeInstanceOf(ClientError);
    await transport.disconnect();
    await transport.connect();
    expect(transport.connected).toBe(true);
    await transport.disconnect();
  });
});
