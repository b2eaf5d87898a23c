/**
 * Types a user feels: a handler's return value is checked against a Standard Schema outputSchema
 * at compile time (the `@ts-expect-error` lines fail `tsc` if the check stops refusing them),
 * `callTool<T>()` types `.data`, and `callTool(handle, args)` types both from the tool's schemas.
 * The run-time halves are asserted too, so each typed value is also the value that arrives.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { Client, FastMCP, type ToolCallResult } from "../../src/index.js";

function weatherServer() {
  const mcp = new FastMCP("typed");
  const weather = mcp.tool(
    "weather",
    {
      inputSchema: z.object({ city: z.string() }),
      outputSchema: z.object({ city: z.string(), celsius: z.number() }),
    },
    async ({ city }) => ({ city, celsius: 21 }),
  );
  const count = mcp.tool("count", { outputSchema: z.number() }, () => 42);
  const hello = mcp.tool("hello", () => "hi");
  return { mcp, weather, count, hello };
}

describe("compile-time checks of tool handlers", () => {
  it("refuses a return value that does not match the output schema, sync or async", () => {
    const mcp = new FastMCP("checks");
    const output = z.object({ n: z.number() });
    // @ts-expect-error: a string where the schema wants a number
    mcp.tool("wrong", { outputSchema: output }, () => ({ n: "one" }));
    // @ts-expect-error: a missing field, from an async handler
    mcp.tool("missing", { outputSchema: output }, async () => ({}));
    // A whole CallToolResult is always allowed, and so is anything under a JSON Schema.
    mcp.tool("whole", { outputSchema: output }, () => ({
      content: [{ type: "text" as const, text: "{}" }],
      structuredContent: { n: 1 },
    }));
    mcp.tool("json", { outputSchema: { type: "object" } }, () => "anything");
    mcp.tool({ name: "defined", outputSchema: output, handler: () => ({ n: 1 }) });
    // @ts-expect-error: the definition form is checked as well
    mcp.tool({ name: "bad-definition", outputSchema: output, handler: () => ({ n: "x" }) });
    expect(mcp.toolDefinition("json")).toBeDefined();
  });
});

describe("typed results", () => {
  it("types .data by callTool<T>() and by a tool handle, and the values arrive as typed", async () => {
    const { mcp, weather, count, hello } = weatherServer();
    await using client = new Client(mcp);
    await client.connect();

    const generic = await client.callTool<{ celsius: number }>("weather", { city: "Oslo" });
    expectTypeOf(generic.data).toEqualTypeOf<{ celsius: number }>();
    expect(generic.data.celsius).toBe(21);

    const typed = await client.callTool(weather, { city: "Rome" });
    expectTypeOf(typed).toEqualTypeOf<ToolCallResult<{ city: string; celsius: number }>>();
    expect(typed.data).toEqual({ city: "Rome", celsius: 21 });

    const counted = await client.callTool(count);
    expectTypeOf(counted.data).toEqualTypeOf<number>();
    expect(counted.data).toBe(42);

    expect((await client.callTool(hello)).text).toBe("hi");
    // @ts-expect-error: the handle's arguments are typed (city must be a string)
    await expect(client.callTool(weather, { city: 7 })).rejects.toThrow();
    // @ts-expect-error: and required
    await expect(client.callTool(weather)).rejects.toThrow();
  });

  it("follows a handle's rename", async () => {
    const { mcp, hello } = weatherServer();
    hello.update({ name: "greet" });
    await using client = new Client(mcp);
    await client.connect();
    expect((await client.callTool(hello)).text).toBe("hi");
    expect((await client.listTools()).map((tool) => tool.name)).toContain("greet");
  });
});
