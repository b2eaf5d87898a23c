/**
 * The docs stay true to the code: every ```ts block of the READMEs and docs/*.md type-checks against
 * src/ (as `fastmcp-ts`, through tsconfig.json's paths), and every relative link points to a file
 * that exists. Each block is a module of its own, so a reader can copy it whole. A block that
 * cannot compile on purpose (an API still being built) is preceded by the line
 * `<!-- docs-check: skip -->`; keep those rare.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/paths.js";

const exec = promisify(execFile);
const SKIP = "<!-- docs-check: skip -->";

interface Block {
  page: string;
  /** The line of the opening fence, 1-based. */
  line: number;
  code: string;
}

function pages(): string[] {
  const docs = readdirSync(join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`);
  return ["README.md", "examples/README.md", "examples/deploy/README.md", ...docs];
}

function blocks(page: string): { checked: Block[]; skipped: Block[] } {
  const lines = readFileSync(join(ROOT, page), "utf8").split("\n");
  const checked: Block[] = [];
  const skipped: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i] as string)) continue;
    const start = i;
    const code: string[] = [];
    while (++i < lines.length && !/^```\s*$/.test(lines[i] as string)) code.push(lines[i] as string);
    let previous = start - 1;
    while (previous >= 0 && (lines[previous] as string).trim() === "") previous--;
    const block = { page, line: start + 1, code: code.join("\n") };
    (lines[previous]?.trim() === SKIP ? skipped : checked).push(block);
  }
  return { checked, skipped };
}

const all = pages().map(blocks);
const checked = all.flatMap((page) => page.checked);
const skipped = all.flatMap((page) => page.skipped);

describe("docs", () => {
  it("every ts block of README.md and docs/*.md type-checks against src/", async () => {
    expect(checked.length).toBeGreaterThan(40);
    const dir = join(ROOT, ".scratch/docs-check");
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) if (name.endsWith(".ts")) rmSync(join(dir, name));
    const files = new Map<string, Block>();
    for (const block of checked) {
      const file = `${block.page.replace(/[/.]/g, "_")}_${block.line}.ts`;
      // A module (`export {}`), so its names never clash with another block's.
      writeFileSync(join(dir, file), `${block.code}\nexport {};\n`);
      files.set(file, block);
    }
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        extends: "../../tsconfig.json",
        // Incremental: a second run with src/ unchanged takes a few seconds.
        compilerOptions: { incremental: true, tsBuildInfoFile: "tsbuildinfo" },
        include: ["*.ts"],
      }),
    );
    const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
    const outcome = await exec(process.execPath, [tsc, "-p", dir, "--pretty", "false"], {
      cwd: ROOT,
      timeout: 110_000,
    }).then(
      () => "",
      (error: { stdout: string }) => error.stdout,
    );
    // Point each error at its page and line: "docs/servers.md:42: error TS2304: ...".
    const errors = outcome
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const match = /^\.scratch\/docs-check\/([^(]+)\((\d+),\d+\): (.*)$/.exec(line);
        const block = match ? files.get(match[1] as string) : undefined;
        return match && block ? `${block.page}:${block.line + Number(match[2])}: ${match[3]}` : line;
      });
    expect(errors).toEqual([]);
  }, 120_000);

  it("skips only blocks marked, and few of them", () => {
    expect(skipped.length).toBeLessThanOrEqual(checked.length / 8);
    for (const block of skipped) expect(block.page, `${block.page}:${block.line}`).toMatch(/^docs\//);
  });

  it("every relative link points to a file that exists", () => {
    const broken: string[] = [];
    for (const page of pages()) {
      const text = readFileSync(join(ROOT, page), "utf8").replace(/```[\s\S]*?```/g, "");
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = (match[1] as string).split("#")[0] as string;
        if (target === "" || /^[a-z]+:/.test(target)) continue;
        const path = join(ROOT, dirname(page), target);
        if (!existsSync(path)) broken.push(`${page}: ${target} (${relative(ROOT, path)})`);
      }
    }
    expect(broken).toEqual([]);
  });
});
