/**
 * Testing a server in memory with vitest: `new Client(server)` talks to it directly, with no
 * subprocess and no socket, through the same code path as every transport.
 *
 *   npx vitest run examples/testing.test.ts
 */
import { Client } from "fastmcp-ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import contextServer from "./context-server.js";
import server from "./first-server.js";

describe("first server", () => {
  const client = new Client(server);
  beforeAll(() => client.connect());
  afterAll(() => client.close());

  it("lists its tool", async () => {
    expect((await client.listTools()).map((tool) => tool.name)).toEqual(["add"]);
  });

  it("adds", async () => {
    const result = await client.callTool("add", { a: 5, b: 3 });
    expect(result.text).toBe("8");
  });

  it("refuses arguments of the wrong type, naming the field", async () => {
    await expect(client.callTool("add", { a: "five", b: 3 })).rejects.toThrow(/a:/);
  });

  it("reads its resource and renders its prompt", async () => {
    expect((await client.readResource("config://app")).json()).toEqual({ theme: "dark" });
    expect((await client.getPrompt("greet", { name: "Ada" })).text).toBe("Say hello to Ada.");
  });
});

describe("context server", () => {
  it("asks the user and uses the answer, in both protocol eras", async () => {
    for (const protocolVersion of ["2026-07-28", "2025-11-25"]) {
      await using client = await Client.connect(contextServer, {
        protocolVersion,
        elicitation: () => ({ action: "accept", data: { people: 2, vegetarian: true } }),
      });
      const result = await client.callTool("book_table", { day: "Monday" });
      expect(result.text).toBe("Table for 2 on Monday, vegetarian");
    }
  });

  it("reports progress", async () => {
    await using client = await Client.connect(contextServer);
    const seen: number[] = [];
    await client.callTool("import_files", { count: 2 }, { onProgress: (progress) => seen.push(progress) });
    expect(seen).toEqual([1, 2]);
  });

  it("says no booking when the user declines", async () => {
    await using client = await Client.connect(contextServer, { elicitation: () => ({ action: "decline" }) });
    const result = await client.callTool("book_table", { day: "Monday" });
    expect(result.text).toBe("No booking (decline)");
  });
});
