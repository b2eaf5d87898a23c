// The layered layout of dist/ (see build.mjs). Node pays far more per module file than per byte
// (the root entry's 24 small chunks took twice as long to import as the same code in one file; each
// file more costs ~0.3-0.7 ms), so what an import of the client or the root entry needs at once is
// bundled into one file per layer, and the two entries' files are those layers themselves:
//   client/index.js           the static module graph of src/client/index.ts, and what the client's
//                             connection code shares with the graph of src/index.ts
//   index.js                  the rest of the static graph of src/index.ts
//   chunks/protocol.js        what the client's connection code and the server's serving code share
//                             (loaded by either: line framing, transport defaults, method tables)
//   chunks/connect-shared.js  what the client's connection code shares with code outside the layers
//   chunks/client-connect.js  the rest of the client's connection code (loaded by connect())
//   chunks/server-serve.js    what a server needs once it serves: the dispatcher, the method
//                             handlers, the stdio loop (loaded by run(), listen(), the HTTP
//                             handlers, the first session or exchange)
// A layer's modules export under mangled names (`m12$Client`) what other files import; an entry's
// own file exports its public names, and the mangled ones inside one object (`__fastmcp_internal`),
// so that its module namespace shows what its types declare and that one name. Every other module (transports, features, the
// other entry points) is built with esbuild's code splitting as before and reaches a layered module
// through a small virtual module that re-exports it from its layer, so every module still exists
// once (one McpError class, one registry). The price: another entry point that uses a layered
// module loads that module's whole layer (for fastmcp-ts/exceptions alone, the client core), which
// its users have loaded anyway.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { build } from "esbuild";
import ts from "typescript";

/** Options every build shares: ESM for Node, dependencies left external. */
export const COMMON = {
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  logLevel: "warning",
};

const LAYER_REF = "__fastmcp_layer__:";
/**
 * The one extra export of a published layer (an entry's own file): an object holding, under their
 * mangled names, the bindings other files import from it, so that the entry's module namespace shows
 * its public names and this one name rather than dozens of `m12$Client`. Importers read the object
 * once, when they are evaluated (after the layer: layers only import the layers below them); a
 * binding the layer reassigns later cannot be handed over this way, and the build fails on one.
 */
const INTERNAL = "__fastmcp_internal";
const ENTRY_REF = "__fastmcp_entry__:";

/** The modules `entries` import statically, themselves included (metafile input paths), minus `excluded`. */
function staticClosure(inputs, entries, excluded = new Set()) {
  const seen = new Set();
  const queue = [...entries];
  while (queue.length > 0) {
    const path = queue.pop();
    if (seen.has(path) || excluded.has(path) || !inputs[path]) continue;
    seen.add(path);
    for (const edge of inputs[path].imports) {
      if (!edge.external && edge.kind === "import-statement") queue.push(edge.path);
    }
  }
  return seen;
}

/**
 * Plans the layers: which source module goes in which layer (with its export names, mangled to
 * stay unique in the layer), and which modules the layers import dynamically (built as entries).
 * A layer is the static module graph of its `entries` minus the layers before it; with `shares`,
 * it also takes the modules that the graph of `shares.entries` and the code `shares.loaded` (loaded
 * later, by a layer after it) both import, so that loading that code never loads the layers of
 * `shares.entries`. A layer with `common` (a list of groups of entries) instead takes the modules
 * that the static graphs of every group share, so that each group loads it and not the others' code.
 * With `apart`, the modules of the layer that code outside every layer imports as well (the
 * HTTP server's, say) go in a layer of that name just below it, so that such code loads that small
 * layer rather than this one.
 */
export async function planLayers(layerEntries) {
  const graph = await build({
    ...COMMON,
    entryPoints: [
      ...new Set(layerEntries.flatMap((layer) => [...(layer.entries ?? []), ...(layer.common ?? []).flat()])),
    ],
    outdir: "dist",
    splitting: true,
    write: false,
    metafile: true,
  });
  const inputs = graph.metafile.inputs;
  const layers = [];
  const assigned = new Set();
  for (const { name, entries = [], shares, common, apart, publish } of layerEntries) {
    const modules = staticClosure(inputs, entries, assigned);
    if (shares) {
      const other = staticClosure(inputs, shares.entries);
      for (const path of staticClosure(inputs, shares.loaded, assigned))
        if (other.has(path)) modules.add(path);
    }
    if (common) {
      const [first, ...others] = common.map((group) => staticClosure(inputs, group, assigned));
      for (const path of first) if (others.every((other) => other.has(path))) modules.add(path);
    }
    if (apart) {
      const outside = Object.keys(inputs).filter((path) => !modules.has(path) && !assigned.has(path));
      const used = [...modules].filter((path) =>
        outside.some((from) =>
          inputs[from].imports.some((edge) => edge.kind === "import-statement" && edge.path === path),
        ),
      );
      const shared = staticClosure(inputs, used, assigned);
      for (const path of shared) {
        modules.delete(path);
        assigned.add(path);
      }
      if (shared.size > 0) layers.push({ name: apart, modules: [...shared], file: `chunks/${apart}.js` });
    }
    for (const path of modules) assigned.add(path);
    // A published layer is the entry file of its (one) entry module, which it exports under its names.
    const publishes = publish ? entries[0] : undefined;
    const file = publishes ? entryFile(publishes) : `chunks/${name}.js`;
    layers.push({ name, modules: [...modules], file, publishes });
  }
  // Modules a layer imports dynamically from outside it: built (or re-exported) as entries.
  const dynamicTargets = new Set();
  const layerOf = (path) => layers.findIndex((layer) => layer.modules.includes(path));
  for (const path of assigned) {
    for (const edge of inputs[path].imports) {
      if (!edge.external && edge.kind === "dynamic-import" && layerOf(edge.path) !== layerOf(path))
        dynamicTargets.add(edge.path);
    }
  }
  // Each layered module's value exports, from a build with every one of them as an entry point.
  const modules = [...assigned];
  const exportsBuild = await build({
    ...COMMON,
    entryPoints: modules,
    outdir: "dist",
    outbase: "src",
    splitting: true,
    write: false,
    metafile: true,
  });
  const exportsOf = new Map();
  for (const output of Object.values(exportsBuild.metafile.outputs)) {
    if (output.entryPoint) exportsOf.set(output.entryPoint, output.exports);
  }
  const owner = new Map();
  layers.forEach((layer, index) => {
    layer.index = index;
    for (const path of layer.modules) owner.set(path, layer);
  });
  const ids = new Map(modules.map((path, index) => [path, index]));
  const mangled = (path, name) => `m${ids.get(path)}$${name}`;
  const fileOf = (name) => layers.find((layer) => layer.name === name).file;
  return { layers, owner, exportsOf, mangled, fileOf, dynamicTargets: [...dynamicTargets] };
}

/** The file (under the output directory) of a source module built as an entry: src/a/b.ts -> a/b.js. */
function entryFile(path) {
  return path.replace(/^src\//, "").replace(/\.ts$/, ".js");
}

/** The source of a virtual module (or an entry file) standing for layered module `path`: its exports, from its layer. */
function reExport(plan, path) {
  const names = plan.exportsOf.get(path) ?? [];
  if (names.length === 0) return `import "${LAYER_REF}${plan.owner.get(path).name}";\n`;
  const list = names.map((name) => `${plan.mangled(path, name)} as ${name}`).join(", ");
  return `export { ${list} } from "${LAYER_REF}${plan.owner.get(path).name}";\n`;
}

/**
 * The esbuild plugin of one build: a module in a layer below `layer` (every layer, when `layer` is
 * undefined) becomes a virtual re-export from its layer's file; inside a layer, a dynamic import of
 * a module outside it or in a layer above stays a dynamic import of that module's own entry file.
 */
function layerPlugin(plan, layer) {
  const cwd = process.cwd();
  const below = (path) => {
    const home = plan.owner.get(path);
    return home !== undefined && (layer === undefined || home.index < layer.index);
  };
  return {
    name: "fastmcp-layers",
    setup(builder) {
      builder.onResolve({ filter: /^__fastmcp_(layer|entry)__:/ }, (args) => ({
        path: args.path,
        external: true,
      }));
      builder.onResolve({ filter: /^\./ }, async (args) => {
        if (args.pluginData?.fastmcpLayers) return undefined;
        const found = await builder.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { fastmcpLayers: true },
        });
        if (found.errors.length > 0 || found.external) return undefined;
        const path = relative(cwd, found.path);
        if (below(path)) return { path, namespace: "fastmcp-layer" };
        const home = plan.owner.get(path);
        if (layer !== undefined && args.kind === "dynamic-import" && (home?.index ?? Infinity) > layer.index)
          return { path: `${ENTRY_REF}${path}`, external: true };
        return { path: found.path };
      });
      builder.onLoad({ filter: /.*/, namespace: "fastmcp-layer" }, (args) => ({
        contents: reExport(plan, args.path),
        loader: "js",
      }));
    },
  };
}

/**
 * Rewrites the placeholder specifiers of a built file into paths relative to it. A dynamic import
 * of a module in a layer above becomes an import of that layer's file, whose mangled names are
 * handed back under the module's own (`import(layer).then((m) => ({ name: m.mangled }))`): loading
 * it costs the layer's file alone, not the module's entry file as well (any other module is loaded
 * by its entry file).
 */
function linkPlaceholders(text, file, outdir, plan) {
  text = viaInternalObject(text, plan);
  const from = dirname(file);
  const rel = (target) => {
    const path = relative(from, resolve(outdir, target));
    return path.startsWith(".") ? path : `./${path}`;
  };
  return text
    .replaceAll(/"__fastmcp_layer__:([\w-]+)"/g, (_match, name) => JSON.stringify(rel(plan.fileOf(name))))
    .replaceAll(/import\("__fastmcp_entry__:([\w/.-]+)"\)/g, (_match, path) => {
      const home = plan.owner.get(path);
      if (home === undefined) return `import(${JSON.stringify(rel(entryFile(path)))})`;
      const object = home.publishes ? `m.${INTERNAL}` : "m";
      const names = (plan.exportsOf.get(path) ?? []).map(
        (name) => `${name}: ${object}.${plan.mangled(path, name)}`,
      );
      const layer = JSON.stringify(rel(home.file));
      return `import(${layer}).then((m) => ({ ${names.join(", ")} }))`;
    });
}

/**
 * Rewrites the import and export-from clauses naming a published layer's mangled bindings into reads
 * of its internal object: `import { m1$a, m2$b as c } from L` becomes
 * `import { __fastmcp_internal as L$1 } from L; const { m1$a, m2$b: c } = L$1;`, and
 * `export { m1$a as a } from L` the same read into a local that is then exported as `a`; each on
 * the clause's one line, so that the file's source map still holds.
 */
function viaInternalObject(text, plan) {
  const published = new Set(plan.layers.filter((layer) => layer.publishes).map((layer) => layer.name));
  let count = 0;
  const clause = /^(import|export)\s*\{([^}]*)\}\s*from\s*"__fastmcp_layer__:([\w-]+)";?$/gm;
  return text.replaceAll(clause, (match, kind, list, layer) => {
    if (!published.has(layer)) return match;
    const object = `${INTERNAL}$${count++}`;
    const items = list
      .split(",")
      .map((item) => item.trim())
      .filter(Boolean)
      .map((item) => item.split(/\s+as\s+/));
    const head = `import { ${INTERNAL} as ${object} } from "${LAYER_REF}${layer}";`;
    if (kind === "import") {
      const bindings = items.map(([name, local = name]) => (local === name ? name : `${name}: ${local}`));
      return `${head} const { ${bindings.join(", ")} } = ${object};`;
    }
    const locals = items.map(([name, exported = name], index) => [name, `${object}_${index}`, exported]);
    return [
      head,
      `const { ${locals.map(([name, local]) => `${name}: ${local}`).join(", ")} } = ${object};`,
      `export { ${locals.map(([, local, exported]) => `${local} as ${exported}`).join(", ")} };`,
    ].join(" ");
  });
}

/**
 * The layer bindings `source` imports, by layer name: the mangled names in its
 * `import { ... } from "<layer>"` (and `export { ... } from`) clauses. esbuild has already dropped
 * the ones nothing uses.
 */
function layerImports(source) {
  const needs = new Map();
  const clause = /(?:import|export)\s*\{([^}]*)\}\s*from\s*"__fastmcp_layer__:([\w-]+)"/g;
  for (const [, list, layer] of source.matchAll(clause)) {
    const names = needs.get(layer) ?? new Set();
    for (const item of list.split(",")) {
      const name = item.trim().split(/\s+as\s+/)[0];
      if (name) names.add(name);
    }
    needs.set(layer, names);
  }
  if (/import\s*\*\s*as\s+\w+\s+from\s*"__fastmcp_layer__:/.test(source))
    throw new Error("a namespace import of a layer: list its names instead");
  return needs;
}

/** Adds `more` (layer name -> names) into `needs`. */
export function addNeeds(needs, more) {
  for (const [layer, names] of more) {
    const into = needs.get(layer) ?? new Set();
    for (const name of names) into.add(name);
    needs.set(layer, into);
  }
  return needs;
}

/**
 * Writes a build's output files (held in memory) with their placeholders linked; returns the layer
 * bindings they import.
 */
async function writeOutputs(result, outdir, plan) {
  const needs = new Map();
  for (const file of result.outputFiles) {
    await mkdir(dirname(file.path), { recursive: true });
    const js = file.path.endsWith(".js");
    if (js) addNeeds(needs, layerImports(file.text));
    await writeFile(file.path, js ? linkPlaceholders(file.text, file.path, outdir, plan) : file.text);
  }
  return needs;
}

/**
 * Builds one layer file: the modules of the layer, exporting under their mangled names only what
 * other files import (`needed`), so the rest is tree-shaken as in a plain bundle. Returns the
 * bindings of lower layers it imports. Build the layers from the top down.
 */
export async function buildLayer(plan, layer, outdir, needed) {
  const lines = [];
  const internal = [];
  for (const path of layer.modules) {
    const names = (plan.exportsOf.get(path) ?? []).filter((name) => needed.has(plan.mangled(path, name)));
    if (names.length === 0) continue;
    const list = names.map((name) => `${name} as ${plan.mangled(path, name)}`).join(", ");
    lines.push(`${layer.publishes ? "import" : "export"} { ${list} } from ${JSON.stringify(resolve(path))};`);
    internal.push(...names.map((name) => plan.mangled(path, name)));
  }
  if (layer.publishes) {
    const names = plan.exportsOf.get(layer.publishes) ?? [];
    lines.push(`export { ${names.join(", ")} } from ${JSON.stringify(resolve(layer.publishes))};`);
    lines.push(`export const ${INTERNAL} = { ${internal.join(", ")} };`);
  }
  const result = await build({
    ...COMMON,
    stdin: {
      contents: lines.join("\n"),
      resolveDir: process.cwd(),
      sourcefile: `${layer.name}.js`,
      loader: "js",
    },
    outfile: resolve(outdir, layer.file),
    sourcemap: true,
    write: false,
    plugins: [layerPlugin(plan, layer)],
  });
  if (layer.publishes)
    checkNotReassigned(result.outputFiles.find((file) => file.path.endsWith(".js")).text, layer);
  return writeOutputs(result, outdir, plan);
}

/**
 * Fails the build if a binding in a published layer's internal object is assigned after its
 * declaration: its importers read the object once, so they would keep the first value.
 */
function checkNotReassigned(text, layer) {
  const file = ts.createSourceFile(layer.file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  let locals;
  const assigned = new Set();
  const visit = (node) => {
    if (ts.isVariableDeclaration(node) && node.name.getText?.(file) === INTERNAL)
      locals = new Set(
        node.initializer.properties.map((property) => property.initializer?.text ?? property.name.text),
      );
    const target =
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
      node.operatorToken.kind <= ts.SyntaxKind.LastAssignment
        ? node.left
        : (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
            (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)
          ? node.operand
          : undefined;
    if (target && ts.isIdentifier(target)) assigned.add(target.text);
    ts.forEachChild(node, visit);
  };
  visit(file);
  if (!locals) throw new Error(`layer ${layer.name}: no ${INTERNAL} object in its output`);
  for (const local of locals)
    if (assigned.has(local))
      throw new Error(
        `layer ${layer.name}: ${local} is reassigned; its importers would keep its first value`,
      );
}

/**
 * Writes the entry file of a layered module (public, or imported dynamically from a lower layer): a
 * re-export of its names from its layer (none for the entry a layer publishes: the layer's file is
 * its entry file). Returns the layer bindings it imports.
 */
export async function writeLayeredEntry(plan, path, outdir) {
  if (plan.owner.get(path).publishes === path) return new Map();
  const file = resolve(outdir, entryFile(path));
  await mkdir(dirname(file), { recursive: true });
  const source = reExport(plan, path);
  await writeFile(file, linkPlaceholders(source, file, outdir, plan));
  return layerImports(source);
}

/**
 * Builds every module outside the layers (code-split as before), linked to the layers; returns the
 * layer bindings they import.
 */
export async function buildRest(plan, entryPoints, outdir) {
  const result = await build({
    ...COMMON,
    entryPoints,
    outdir,
    outbase: "src",
    splitting: true,
    sourcemap: true,
    chunkNames: "chunks/[name]-[hash]",
    write: false,
    plugins: [layerPlugin(plan, undefined)],
  });
  return writeOutputs(result, outdir, plan);
}
