/**
 * The demo server: a few tools, a resource, a template and a prompt. Run it over stdio with
 * `npx tsx examples/demo-server.ts`, or import `demoServer` to use it in memory.
 */

import { FastMCP, ToolError } from "fastmcp-ts";
import { z } from "zod";

export const demoServer = new FastMCP({
  name: "Demo Server",
  version: "1.0.0",
  instructions: "Arithmetic, greetings and a weather report.",
});

demoServer.tool(
  "add",
  { description: "Add two numbers.", inputSchema: z.object({ a: z.number(), b: z.number() }) },
  ({ a, b }) => a + b,
);

demoServer.tool(
  "divide",
  { description: "Divide a by b.", inputSchema: z.object({ a: z.number(), b: z.number() }) },
  ({ a, b }) => {
    if (b === 0) throw new ToolError("Cannot divide by zero");
    return a / b;
  },
);

demoServer.tool(
  "weather",
  {
    description: "A (made up) weather report with structured output.",
    inputSchema: z.object({ city: z.string() }),
    outputSchema: z.object({ city: z.string(), celsius: z.number(), sky: z.string() }),
    annotations: { readOnlyHint: true },
  },
  async ({ city }, ctx) => {
    ctx.reportProgress(1, 2, "looking at the sky");
    ctx.info(`weather requested for ${city}`);
    ctx.reportProgress(2, 2, "done");
    return { city, celsius: 18 + (city.length % 7), sky: "partly cloudy" };
  },
);

demoServer.tool(
  "book",
  { description: "Book a stay; asks the user how many nights.", inputSchema: z.object({ city: z.string() }) },
  async ({ city }, ctx) => {
    const answer = await ctx.elicit(
      `How many nights in ${city}?`,
      z.object({ nights: z.number().int().min(1) }),
    );
    if (answer.action !== "accept") return `Booking ${answer.action}d`;
    return `Booked ${answer.data.nights} nights in ${city}`;
  },
);

demoServer.resource("config://app", { description: "App configuration" }, () => ({
  theme: "dark",
  beta: true,
}));

demoServer.resource("users://{id}/profile", { description: "A user profile" }, ({ id }) => ({
  id,
  name: `User ${id}`,
}));

demoServer.prompt(
  "greet",
  { description: "Greet someone", argsSchema: z.object({ name: z.string() }) },
  ({ name }) => `Say hello to ${name}, warmly.`,
);

if (import.meta.url === `file://${process.argv[1]}`) {
  await demoServer.run();
}
