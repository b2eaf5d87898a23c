/**
 * A mount served over the network: the caller's verified identity reaches the child's component
 * checks (a guarded child tool is absent for a caller without the scope, as an unknown one is),
 * and a legacy Streamable HTTP session hears the child's list changes on its GET stream.
 */
import { describe, expect, it } from "vitest";
import { requireScopes } from "../../src/auth/server/index.js";
import { BearerAuth, FastMCP, StaticTokenVerifier } from "../../src/index.js";
import { LEGACY_CLIENT } from "../helpers/clients.js";
import { closeAfterEach, connect, serve } from "../helpers/http-test-server.js";

closeAfterEach();

function guardedChild(): FastMCP {
  const child = new FastMCP("child");
  child.tool("echo", () => "echo");
  child.tool("wipe", { auth: requireScopes("write") }, () => "wiped");
  child.resource("data://secret", { auth: requireScopes("write") }, () => "secret");
  return child;
}

function parentOf(child: FastMCP): FastMCP {
  const parent = new FastMCP({
    name: "parent",
    auth: new StaticTokenVerifier({
      "writer-token": { clientId: "alice", scopes: ["write"] },
      "reader-token": { clientId: "bob", scopes: [] },
    }),
  });
  return parent.mount(child, { namespace: "kid" });
}

describe.each([
  ["modern", {}],
  ["legacy", LEGACY_CLIENT],
] as const)("a mount over Streamable HTTP, %s client", (_era, options) => {
  it("applies the child's component auth to the parent's callers", async () => {
    const listening = await serve(parentOf(guardedChild()));
    const writer = await connect(listening.url, { ...options, auth: new BearerAuth("writer-token") });
    const reader = await connect(listening.url, { ...options, auth: new BearerAuth("reader-token") });
    expect((await writer.listTools()).map((tool) => tool.name)).toEqual(["kid_echo", "kid_wipe"]);
    expect((await writer.callTool("kid_wipe")).text).toBe("wiped");
    expect((await writer.readResource("data://kid/secret")).content).toBe("secret");
    expect((await reader.listTools()).map((tool) => tool.name)).toEqual(["kid_echo"]);
    expect((await reader.listResources()).map((resource) => resource.uri)).toEqual([]);
    const failure = (name: string) =>
      reader.callTool(name).then(
        () => "answered",
        (error: Error) => error.message,
      );
    expect(await failure("kid_wipe")).toBe((await failure("kid_nothing")).replace("nothing", "wipe"));
    await expect(reader.readResource("data://kid/secret")).rejects.toThrow(/not found/i);
  });

  it("tells connected clients when the child's list changes", async () => {
    const child = guardedChild();
    const listening = await serve(parentOf(child));
    const client = await connect(listening.url, { ...options, auth: new BearerAuth("reader-token") });
    await using changes = await client.listen({ toolsListChanged: true });
    const next = changes.next();
    child.tool("fresh", () => "fresh");
    expect((await next).value?.method).toBe("notifications/tools/list_changed");
    expect((await client.callTool("kid_fresh")).text).toBe("fresh");
  });
});
