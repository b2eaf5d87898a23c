/**
 * mount() and importServer(): namespaces for tools, prompts, resources and templates, live changes
 * and their notifications, middleware inside mounts, precedence, completions, subscriptions, the
 * handler context (progress, logs, elicitation, ctx.readResource) through a mount, in both eras.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type ClientOptions, FastMCP } from "../../src/index.js";
import type { Middleware } from "../../src/middleware/index.js";
import { CLIENT_ERAS, closingClients } from "../helpers/clients.js";

const connect = closingClients();

/** A small weather server: a tool, a prompt, a resource and a template with a completer. */
function weatherServer(): FastMCP {
  const weather = new FastMCP("weather");
  weather.tool(
    "forecast",
    { description: "The forecast", inputSchema: z.object({ city: z.string() }) },
    ({ city }) => `Sunny in ${city}`,
  );
  weather.prompt(
    "report",
    { argsSchema: z.object({ city: z.string() }) },
    ({ city }) => `Report for ${city}`,
  );
  weather.resource("data://today", () => "clear skies");
  weather.resource(
    "data://city/{name}",
    { complete: { name: (value) => ["Paris", "Prague", "Oslo"].filter((city) => city.startsWith(value)) } },
    ({ name }) => `weather in ${name}`,
  );
  return weather;
}

function mainWith(child: FastMCP, namespace?: string): FastMCP {
  const main = new FastMCP("main");
  main.tool("own", () => "main's own");
  return main.mount(child, namespace === undefined ? {} : { namespace });
}

describe.each(CLIENT_ERAS)("mount, %s client", (_era, options: ClientOptions) => {
  it("lists and serves the child's components under the namespace", async () => {
    const client = await connect(mainWith(weatherServer(), "weather"), options);
    expect((await client.listTools()).map((tool) => tool.name)).toEqual(["own", "weather_forecast"]);
    expect((await client.listTools())[1]?.description).toBe("The forecast");
    expect((await client.callTool("weather_forecast", { city: "Oslo" })).text).toBe("Sunny in Oslo");
    expect((await client.listPrompts()).map((prompt) => prompt.name)).toEqual(["weather_report"]);
    const prompt = await client.getPrompt("weather_report", { city: "Rome" });
    expect(prompt.messages[0]?.content).toEqual({ type: "text", text: "Report for Rome" });
    expect((await client.listResources()).map((resource) => resource.uri)).toEqual(["data://weather/today"]);
    expect((await client.listResourceTemplates()).map((template) => template.uriTemplate)).toEqual([
      "data://weather/city/{name}",
    ]);
    const today = await client.readResource("data://weather/today");
    expect(today.content).toBe("clear skies");
    expect(today.contents[0]?.uri).toBe("data://weather/today");
    const city = await client.readResource("data://weather/city/Lima");
    expect(city.content).toBe("weather in Lima");
    expect(city.contents[0]?.uri).toBe("data://weather/city/Lima");
  });

  it("routes completions to the child, for prompts and templates", async () => {
    const child = weatherServer();
    child.prompt(
      "trip",
      { argsSchema: z.object({ to: z.string() }), complete: { to: (value) => [`${value}ville`] } },
      ({ to }) => `Trip to ${to}`,
    );
    const client = await connect(mainWith(child, "weather"), options);
    const template = await client.complete(
      { type: "ref/resource", uri: "data://weather/city/{name}" },
      { name: "name", value: "P" },
    );
    expect(template.values).toEqual(["Paris", "Prague"]);
    const prompt = await client.complete(
      { type: "ref/prompt", name: "weather_trip" },
      { name: "to", value: "Nash" },
    );
    expect(prompt.values).toEqual(["Nashville"]);
  });

  it("answers names outside any mount, or unknown to the child, as unknown", async () => {
    const client = await connect(mainWith(weatherServer(), "weather"), options);
    await expect(client.callTool("forecast", { city: "x" })).rejects.toThrow(/Unknown tool: forecast/);
    await expect(client.callTool("weather_nothing", {})).rejects.toThrow(/Unknown tool: weather_nothing/);
    await expect(client.readResource("data://weather/nothing")).rejects.toThrow(
      /Resource not found: data:\/\/weather\/nothing/,
    );
    await expect(client.readResource("data://today")).rejects.toThrow(/not found/i);
    await expect(client.getPrompt("weather_none")).rejects.toThrow(/Unknown prompt: weather_none/);
  });

  it("is live: components added, changed and removed later show through, and clients are told", async () => {
    const child = weatherServer();
    const client = await connect(mainWith(child, "weather"), options);
    await using changes = await client.listen({ toolsListChanged: true });
    expect((await client.listTools()).map((tool) => tool.name)).toEqual(["own", "weather_forecast"]);
    const told = changes.next();
    const alerts = child.tool("alerts", () => "no alerts");
    expect((await told).value?.method).toBe("notifications/tools/list_changed");
    expect((await client.listTools()).map((tool) => tool.name)).toEqual([
      "own",
      "weather_forecast",
      "weather_alerts",
    ]);
    expect((await client.callTool("weather_alerts")).text).toBe("no alerts");
    const toldAgain = changes.next();
    alerts.remove();
    await toldAgain;
    expect((await client.listTools()).map((tool) => tool.name)).toEqual(["own", "weather_forecast"]);
  });

  it("tells subscribers of the child's resource updates under the namespaced URI", async () => {
    const child = weatherServer();
    const client = await connect(mainWith(child, "weather"), options);
    await using updates = await client.listen({ resourceSubscriptions: ["data://weather/today"] });
    const next = updates.next();
    child.notifyResourceUpdated("data://today");
    const note = (await next).value;
    expect(note?.method).toBe("notifications/resources/updated");
    expect(note?.params?.uri).toBe("data://weather/today");
  });

  it("runs the child's middleware inside the parent's, each seeing its own names", async () => {
    const seen: string[] = [];
    const recorder = (who: string): Middleware => ({
      async onRequest(ctx, next) {
        seen.push(`${who} request ${ctx.method}`);
        return next();
      },
      async onCallTool(ctx, next) {
        seen.push(`${who} call ${ctx.name}`);
        const result = await next();
        seen.push(`${who} done ${ctx.name}`);
        return result;
      },
    });
    const child = weatherServer().use(recorder("child"));
    const main = mainWith(child, "weather").use(recorder("main"));
    const client = await connect(main, options);
    seen.length = 0;
    await client.callTool("weather_forecast", { city: "Bern" });
    expect(seen).toEqual([
      "main request tools/call",
      "main call weather_forecast",
      "child request tools/call",
      "child call forecast",
      "child done forecast",
      "main done weather_forecast",
    ]);
  });

  it("hides from the parent what the child's list middleware hides", async () => {
    const child = weatherServer();
    child.tool("secret", () => "hidden");
    child.use({ onListTools: async (_ctx, next) => (await next()).filter((tool) => tool.name !== "secret") });
    const client = await connect(mainWith(child, "weather"), options);
    expect((await client.listTools()).map((tool) => tool.name)).toEqual(["own", "weather_forecast"]);
    await expect(client.callTool("weather_secret")).rejects.toThrow(/Unknown tool/);
  });

  it("lets the parent's list middleware filter mounted components, and calls follow it", async () => {
    const main = mainWith(weatherServer(), "weather");
    main.use({
      onListTools: async (_ctx, next) => (await next()).filter((tool) => tool.name !== "weather_forecast"),
    });
    const client = await connect(main, options);
    expect((await client.listTools()).map((tool) => tool.name)).toEqual(["own"]);
    await expect(client.callTool("weather_forecast", { city: "x" })).rejects.toThrow(/Unknown tool/);
  });

  it("gives a mounted tool the caller's context: progress, logs, elicitation, its own resources", async () => {
    const child = new FastMCP("child");
    child.resource("data://secret", () => "child data");
    child.tool("work", async (_args, ctx) => {
      ctx.reportProgress(1, 2, "half");
      ctx.info("working");
      const answer = await ctx.elicit("Proceed?", z.object({ ok: z.boolean() }));
      const [data] = await ctx.readResource("data://secret");
      return `${answer.action} ${JSON.stringify(answer.action === "accept" ? answer.data : null)} ${
        (data as { text: string }).text
      }`;
    });
    const logs: unknown[] = [];
    const progress: (string | undefined)[] = [];
    const client = await connect(mainWith(child, "c"), {
      ...options,
      logLevel: "debug",
      onLog: (message) => logs.push(message.data),
      elicitation: (request) => {
        expect(request.message).toBe("Proceed?");
        return { action: "accept", content: { ok: true } };
      },
    });
    const result = await client.callTool(
      "c_work",
      {},
      { onProgress: (_done, _total, message) => progress.push(message) },
    );
    expect(result.text).toBe('accept {"ok":true} child data');
    expect(progress).toContain("half");
    expect(logs).toContain("working");
  });
});

describe("mount precedence and shape", () => {
  it("serves unnamespaced mounts as they are; own components win, then the latest mount", async () => {
    const first = new FastMCP("first");
    first.tool("shared", () => "first");
    first.tool("only_first", () => "only first");
    const second = new FastMCP("second");
    second.tool("shared", () => "second");
    second.tool("own", () => "second's own");
    const main = mainWith(first).mount(second);
    const client = await connect(main);
    expect((await client.listTools()).map((tool) => tool.name).sort()).toEqual([
      "only_first",
      "own",
      "shared",
    ]);
    expect((await client.callTool("shared")).text).toBe("second");
    expect((await client.callTool("own")).text).toBe("main's own");
    expect((await client.callTool("only_first")).text).toBe("only first");
  });

  it("nests: a mount of a mount composes namespaces", async () => {
    const inner = new FastMCP("inner");
    inner.tool("deep", () => "deep down");
    inner.resource("data://x", () => "inner x");
    const middle = new FastMCP("middle").mount(inner, { namespace: "in" });
    const main = new FastMCP("main").mount(middle, { namespace: "mid" });
    const client = await connect(main);
    expect((await client.listTools()).map((tool) => tool.name)).toEqual(["mid_in_deep"]);
    expect((await client.callTool("mid_in_deep")).text).toBe("deep down");
    expect((await client.readResource("data://mid/in/x")).content).toBe("inner x");
  });

  it("pages the merged list with the server's page size", async () => {
    const child = new FastMCP("child");
    for (const name of ["a", "b", "c"]) child.tool(name, () => name);
    const main = new FastMCP({ name: "main", pageSize: 2 });
    main.tool("own", () => "own");
    main.mount(child, "kid");
    const client = await connect(main);
    const first = await client.request("tools/list", {});
    expect((first.tools as { name: string }[]).map((tool) => tool.name)).toEqual(["own", "kid_a"]);
    const second = await client.request("tools/list", { cursor: first.nextCursor });
    expect((second.tools as { name: string }[]).map((tool) => tool.name)).toEqual(["kid_b", "kid_c"]);
    expect(second.nextCursor).toBeUndefined();
  });

  it("runs a mounted task tool as a task of the server the client polls", async () => {
    const child = new FastMCP("child");
    child.tool("render", { task: true }, (_args, ctx) => `rendered in task ${ctx.taskId}`);
    const main = new FastMCP({ name: "main", tasks: { pollIntervalMs: 10 } }).mount(child, "kid");
    const client = await connect(main);
    const statuses: string[] = [];
    const result = await client.callTool(
      "kid_render",
      {},
      { onTaskStatus: (task) => statuses.push(task.status) },
    );
    expect(result.text).toMatch(/^rendered in task [0-9a-f-]{36}$/);
    expect(statuses.at(-1)).toBe("completed");
  });

  it("refuses a loop and a bad namespace", () => {
    const a = new FastMCP("a");
    const b = new FastMCP("b").mount(a);
    expect(() => a.mount(a)).toThrow(/loop/);
    expect(() => a.mount(b)).toThrow(/loop/);
    expect(() => a.mount(new FastMCP("c"), { namespace: "has space" })).toThrow(/Invalid namespace/);
    expect(() => a.mount(new FastMCP("c"), { namespace: "" })).toThrow(/Invalid namespace/);
  });
});

describe.each(CLIENT_ERAS)("importServer, %s client", (_era, options: ClientOptions) => {
  it("copies the components once, under the namespace, without the child's middleware", async () => {
    const child = weatherServer();
    let childMiddleware = 0;
    child.use({
      onCallTool: async (_ctx, next) => {
        childMiddleware++;
        return next();
      },
    });
    const main = new FastMCP("main");
    await main.importServer(child, { namespace: "weather" });
    child.tool("later", () => "added after the import");
    const client = await connect(main, options);
    expect((await client.listTools()).map((tool) => tool.name)).toEqual(["weather_forecast"]);
    expect((await client.callTool("weather_forecast", { city: "Kyiv" })).text).toBe("Sunny in Kyiv");
    expect(childMiddleware).toBe(0);
    expect((await client.readResource("data://weather/today")).content).toBe("clear skies");
    expect((await client.readResource("data://weather/city/Quito")).content).toBe("weather in Quito");
    expect((await client.getPrompt("weather_report", { city: "Lima" })).messages).toHaveLength(1);
    const completion = await client.complete(
      { type: "ref/resource", uri: "data://weather/city/{name}" },
      { name: "name", value: "O" },
    );
    expect(completion.values).toEqual(["Oslo"]);
    // Validation travels with the copy.
    await expect(client.callTool("weather_forecast", { city: 3 })).rejects.toThrow();
  });

  it("follows onDuplicate for names already taken, and leaves out what the child hides", async () => {
    const child = new FastMCP({ name: "child", excludeTags: ["internal"] });
    child.tool("clash", () => "child");
    child.tool("hidden", { tags: ["internal"] }, () => "hidden");
    const main = new FastMCP({ name: "main", onDuplicate: "ignore" });
    main.tool("clash", () => "main");
    await main.importServer(child);
    const client = await connect(main, options);
    expect((await client.listTools()).map((tool) => tool.name)).toEqual(["clash"]);
    expect((await client.callTool("clash")).text).toBe("main");
    const strict = new FastMCP({ name: "strict", onDuplicate: "error" });
    strict.tool("clash", () => "strict");
    await expect(strict.importServer(child)).rejects.toThrow(/Duplicate tool clash/);
  });
});
