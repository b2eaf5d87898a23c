/** The `fastmcp` command against real servers. */
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { Client } from "../src/index.js";

const exec = promisify(execFile);
const CLI = ["--import", "tsx", "src/cli/main.ts"];
const SERVER = `${process.execPath} --import tsx test/fixtures/everything-server.ts`;

describe("fastmcp CLI", () => {
  it("lists a server's tools, resources, templates and prompts", async () => {
    const { stdout } = await exec(process.execPath, [...CLI, "list", SERVER], { timeout: 30_000 });
    expect(stdout).toMatch(/^everything 1\.0\.0 \(2026-07-28\)/);
    expect(stdout).toMatch(/tool {6}add {2}Add two numbers\./);
    expect(stdout).toContain("resource  config://test");
    expect(stdout).toContain("template  users://{id}/profile");
    expect(stdout).toContain("prompt    greet");
  });

  it("calls a tool with JSON arguments, and exits 1 on a tool error", async () => {
    const { stdout } = await exec(process.execPath, [...CLI, "call", SERVER, "add", '{"a":5,"b":3}'], {
      timeout: 30_000,
    });
    expect(stdout.trim()).toBe("8");
    const failed = await exec(process.execPath, [...CLI, "call", SERVER, "fail"], { timeout: 30_000 }).catch(
      (e) => e,
    );
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("this tool always fails");
  });

  it("runs a server file over HTTP until SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      [...CLI, "run", "examples/demo-server.ts", "--transport", "http", "--port", "0"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = "";
        child.stderr.on("data", (chunk: Buffer) => {
          err += chunk.toString();
          const found = /http (http:\/\/\S+)/.exec(err);
          if (found) resolve(found[1] as string);
        });
        child.once("exit", () => reject(new Error(`exited early: ${err}`)));
      });
      await using client = await Client.connect(url);
      expect((await client.callTool("add", { a: 2, b: 2 })).text).toBe("4");
    } finally {
      child.kill("SIGTERM");
    }
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(0);
  });

  it("explains its usage and fails on an unknown command", async () => {
    const error = await exec(process.execPath, [...CLI, "frobnicate"]).catch((e) => e);
    expect(error.code).toBe(2);
    expect(error.stdout).toContain("fastmcp run <server file>");
  });
});
