/**
 * Matching a URI against a compiled RFC 6570 template (uri-template.ts): in time linear in the
 * URI's length (times the template's size), without backtracking; a URI over
 * MAX_TEMPLATE_URI_LENGTH matches nothing. Loaded with the serving code.
 */
import type { Expression, Step, UriTemplate } from "./uri-template.js";

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Longest URI (in UTF-16 units) matched against templates: a longer one matches no template. Real
 * resource URIs are far shorter; the bound caps the matcher's time and memory per template.
 */
export const MAX_TEMPLATE_URI_LENGTH = 8 * 1024;

/** Characters a wide variable cannot take (a regex `.` without the `s` flag). */
function isLineBreak(code: number): boolean {
  return code === 0x0a || code === 0x0d || code === 0x2028 || code === 0x2029;
}

/** Characters a segment variable cannot take. */
function isDelimiter(code: number): boolean {
  return code === 0x2f || code === 0x3f || code === 0x23 || code === 0x2c; // / ? # ,
}

/** How many characters from each position on a variable of that kind could take: `run[i]`. */
function runs(path: string, stops: (code: number) => boolean): Int32Array {
  const run = new Int32Array(path.length + 1);
  for (let at = path.length - 1; at >= 0; at--)
    run[at] = stops(path.charCodeAt(at)) ? 0 : (run[at + 1] as number) + 1;
  return run;
}

/**
 * Matches `path` against the steps exactly as the anchored backtracking regex this replaces did
 * (`.+?` for wide variables, `[^/?#,]+` for segment ones, `(?:=…)?` for `{;x}`), without its
 * backtracking. A backward pass finds, for each step and position, where that step ends when the
 * rest can still match (the choice the regex would settle on first: the shortest wide value, the
 * longest segment value, `=value` before nothing); a forward pass then follows those choices.
 * Time and memory are O(path length × steps), whatever the template.
 */
function matchSteps(steps: readonly Step[], path: string): (string | undefined)[] | undefined {
  const n = path.length;
  // ends[k][i]: where step k, started at i, ends when the steps after it can match; -1 if none.
  const ends: Int32Array[] = new Array(steps.length + 1);
  const last = new Int32Array(n + 1).fill(-1);
  last[n] = n;
  ends[steps.length] = last;
  const wideRun = runs(path, isLineBreak);
  const segmentRun = runs(path, isDelimiter);
  for (let k = steps.length - 1; k >= 0; k--) {
    const step = steps[k] as Step;
    const next = ends[k + 1] as Int32Array;
    const here = new Int32Array(n + 1).fill(-1);
    if (step.kind === "literal") {
      const { text } = step;
      for (let i = 0; i + text.length <= n; i++) {
        if ((next[i + text.length] as number) >= 0 && path.startsWith(text, i)) here[i] = i + text.length;
      }
    } else {
      const capture = step.kind === "optional" ? step.capture : step;
      const run = capture.wide ? wideRun : segmentRun;
      // The nearest position at or after (wide) / at or before (segment) each index where the rest matches.
      const nearest = new Int32Array(n + 2);
      if (capture.wide) {
        nearest[n + 1] = n + 1;
        for (let j = n; j >= 0; j--) nearest[j] = (next[j] as number) >= 0 ? j : (nearest[j + 1] as number);
      } else {
        let seen = -1;
        for (let j = 0; j <= n; j++) {
          if ((next[j] as number) >= 0) seen = j;
          nearest[j] = seen;
        }
      }
      const end = (start: number): number => {
        const lo = start + capture.min;
        const hi = start + Math.min(capture.max, run[start] as number);
        if (lo > hi) return -1;
        if (capture.wide) {
          const j = nearest[lo] as number;
          return j <= hi ? j : -1;
        }
        const j = nearest[hi] as number;
        return j >= lo ? j : -1;
      };
      for (let i = 0; i <= n; i++) {
        if (step.kind === "capture") here[i] = end(i);
        else {
          // `=value` first (it ends after i), nothing otherwise (it ends at i).
          const taken = i < n && path.charCodeAt(i) === 0x3d ? end(i + 1) : -1;
          here[i] = taken >= 0 ? taken : (next[i] as number) >= 0 ? i : -1;
        }
      }
    }
    ends[k] = here;
  }
  if ((ends[0] as Int32Array)[0] === -1) return undefined;
  const values: (string | undefined)[] = [];
  let at = 0;
  steps.forEach((step, k) => {
    const end = (ends[k] as Int32Array)[at] as number;
    if (step.kind === "capture") values.push(path.slice(at, end));
    else if (step.kind === "optional") values.push(end > at ? path.slice(at + 1, end) : undefined);
    at = end;
  });
  return values;
}

/** The matching steps of a template's path (its parts up to the query expressions). */
function stepsOf(parts: readonly (string | Expression)[]): Step[] {
  const steps: Step[] = [];
  const literal = (text: string) => {
    const previous = steps[steps.length - 1];
    if (previous?.kind === "literal") previous.text += text;
    else if (text) steps.push({ kind: "literal", text });
  };
  for (const part of parts) {
    if (typeof part === "string") {
      literal(part);
      continue;
    }
    const { operator, vars } = part;
    // Query variables are matched by name after the path, and come last (checked at compile time).
    if (operator === "?" || operator === "&") break;
    vars.forEach((spec, index) => {
      const wide = spec.explode || operator === "+" || operator === "#";
      const max = spec.maxLength ?? Number.POSITIVE_INFINITY;
      if (operator === ";") {
        // `{;x}` expands to `;x=value`, or `;x` when the value is empty.
        literal(`;${spec.name}`);
        const min = wide || spec.maxLength !== undefined ? 1 : 0;
        steps.push({ kind: "optional", capture: { kind: "capture", wide, min, max } });
        return;
      }
      const perVariable = operator === "/" || operator === ".";
      if (index > 0 && !perVariable) literal(",");
      if (perVariable || (operator === "#" && index === 0)) literal(operator);
      steps.push({ kind: "capture", wide, min: 1, max });
    });
  }
  return steps;
}

/** The variables from `uri`, percent-decoded, or undefined when it does not match `template`. */
export function matchUri(template: UriTemplate, uri: string): Record<string, string> | undefined {
  if (uri.length > MAX_TEMPLATE_URI_LENGTH) return undefined;
  const { queryVariables } = template;
  let path = uri;
  let query = "";
  if (queryVariables.length > 0) {
    const at = uri.indexOf("?");
    if (at >= 0) {
      path = uri.slice(0, at);
      query = uri.slice(at + 1);
    }
  }
  template.steps ??= stepsOf(template.parts);
  const found = matchSteps(template.steps, path);
  if (!found) return undefined;
  const values: Record<string, string> = {};
  template.pathVariables.forEach((name, index) => {
    values[name] = safeDecode(found[index] ?? "");
  });
  if (query) {
    for (const pair of query.split("&")) {
      const eq = pair.indexOf("=");
      const key = safeDecode(eq >= 0 ? pair.slice(0, eq) : pair);
      if (queryVariables.includes(key)) values[key] = safeDecode(eq >= 0 ? pair.slice(eq + 1) : "");
    }
  }
  return values;
}
