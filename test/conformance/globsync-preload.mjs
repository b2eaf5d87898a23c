// Preload for running @modelcontextprotocol/conformance on Node 20: `node --import ./globsync-preload.mjs`.
//
// The suite's bundle does `import { globSync } from "fs"`, which exists only from Node 22, so on Node 20
// the import fails before anything runs. A builtin's ESM export names are fixed, so assigning
// `fs.globSync` is not enough: this module registers a resolve hook that sends every `fs` / `node:fs`
// import to this very file, which re-exports all of `node:fs` plus a small `globSync`. On Node 22+
// nothing is registered and the module is inert.
import * as fs from "node:fs";
import { register } from "node:module";
import * as path from "node:path";

export * from "node:fs";
export { default } from "node:fs";

const GLOB_CHARS = /[*?[{]/;

function segmentToRegExp(segment) {
  let out = "";
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "{") {
      const end = segment.indexOf("}", i);
      if (end < 0) out += "\\{";
      else {
        const alternatives = segment.slice(i + 1, end).split(",");
        out += `(?:${alternatives.map((a) => segmentToRegExp(a)).join("|")})`;
        i = end;
      }
    } else if (c === "[") {
      const end = segment.indexOf("]", i + 1);
      if (end < 0) out += "\\[";
      else {
        out += `[${segment
          .slice(i + 1, end)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else out += c.replace(/[.+^$()|\\\]]/g, "\\$&");
  }
  return out;
}

/** Turns the glob part of a pattern (posix separators) into an anchored regular expression. */
function globToRegExp(glob) {
  const parts = glob.split("/").filter((s, i, all) => s !== "" || i === all.length - 1);
  let source = "";
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    if (part === "**") source += last ? ".*" : "(?:[^/]+/)*";
    else source += segmentToRegExp(part) + (last ? "" : "/");
  });
  return new RegExp(`^${source}$`);
}

function walk(root, relative, visit) {
  let entries;
  try {
    entries = fs.readdirSync(path.join(root, relative), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const rel = relative ? `${relative}/${entry.name}` : entry.name;
    visit(rel, entry);
    if (entry.isDirectory()) walk(root, rel, visit);
  }
}

/** A subset of Node 22's `fs.globSync(pattern, { cwd, exclude })`: `*`, `?`, `**`, `[...]`, `{a,b}`. */
export function globSync(pattern, options = {}) {
  const cwd = options.cwd ? String(options.cwd) : process.cwd();
  const exclude = typeof options.exclude === "function" ? options.exclude : () => false;
  const results = new Set();
  for (const one of Array.isArray(pattern) ? pattern : [pattern]) {
    const posix = String(one).split(path.sep).join("/");
    const absolute = path.isAbsolute(one);
    const segments = posix.split("/");
    const firstGlob = segments.findIndex((s) => GLOB_CHARS.test(s));
    if (firstGlob < 0) {
      if (fs.existsSync(path.resolve(cwd, one))) results.add(path.normalize(one));
      continue;
    }
    const prefix = segments.slice(0, firstGlob).join("/");
    const base = path.resolve(cwd, absolute ? prefix || "/" : prefix);
    const matcher = globToRegExp(segments.slice(firstGlob).join("/"));
    walk(base, "", (rel, entry) => {
      if (!matcher.test(rel) || exclude(options.withFileTypes ? entry : rel)) return;
      const joined = prefix ? `${prefix}/${rel}` : rel;
      results.add(options.withFileTypes ? entry : path.normalize(absolute ? path.join(base, rel) : joined));
    });
  }
  return [...results];
}

if (typeof fs.globSync !== "function") {
  const self = import.meta.url;
  const hooks = `
    const self = ${JSON.stringify(self)};
    export async function resolve(specifier, context, next) {
      if ((specifier === "fs" || specifier === "node:fs") && context.parentURL !== self) {
        return { url: self, format: "module", shortCircuit: true };
      }
      return next(specifier, context);
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
