/**
 * What the CLI shows a person: errors as one line, colour only on a terminal (never with NO_COLOR),
 * and a spinner on stderr for steps that can take a while. stdout carries only results.
 */

/** A failure the user caused or can fix: printed as one line, no stack. Exit code 1, or 2 for usage. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "CliError";
  }
}

/** A wrong command line: exit code 2, with the command's usage line after the message. */
export class UsageError extends CliError {
  constructor(message: string, usage?: string) {
    super(usage ? `${message}\n${usage}` : message, 2);
    this.name = "UsageError";
  }
}

type Stream = { isTTY?: boolean };

/** Colour when the stream is a terminal and NO_COLOR is unset; FORCE_COLOR (not "0") forces it. */
export function colorEnabled(stream: Stream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "") return env.FORCE_COLOR !== "0";
  return stream.isTTY === true && env.TERM !== "dumb";
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;

/** Paints text for one stream: `paint(process.stderr).red("x")` is plain text when colour is off. */
export function paint(stream: Stream): Record<keyof typeof CODES, (text: string) => string> {
  const on = colorEnabled(stream);
  const entries = Object.entries(CODES).map(([name, code]) => [
    name,
    (text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text),
  ]);
  return Object.fromEntries(entries) as Record<keyof typeof CODES, (text: string) => string>;
}

/** Whether stacks are shown: `--debug` or FASTMCP_DEBUG=1. */
export function debugEnabled(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  return (
    argv.includes("--debug") || (env.FASTMCP_DEBUG !== undefined && !["", "0"].includes(env.FASTMCP_DEBUG))
  );
}

/** The one line (plus a usage line for usage errors) that an error becomes. */
export function errorText(error: unknown, debug: boolean): string {
  if (error instanceof CliError) {
    const cause = error.cause instanceof Error ? error.cause.stack : undefined;
    return debug && cause ? `${error.message}\n${cause}` : error.message;
  }
  if (debug && error instanceof Error) return error.stack ?? error.message;
  if (error instanceof Error) {
    // One line: a multi-line message (a schema dump, a child's stderr) keeps its first line.
    const first = error.message.split("\n")[0] ?? "";
    const cause = error.cause instanceof Error ? `: ${error.cause.message.split("\n")[0]}` : "";
    return `${first}${cause && !first.includes(cause.slice(2)) ? cause : ""}`;
  }
  return String(error);
}

/**
 * Shows `text` with a spinner on stderr while `work` runs, when stderr is a terminal; otherwise
 * shows nothing (logs and pipes stay clean).
 */
export async function withSpinner<T>(text: string, work: () => Promise<T>): Promise<T> {
  const stream = process.stderr;
  if (!stream.isTTY) return work();
  const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
  const colors = paint(stream);
  let frame = 0;
  const draw = () => stream.write(`\r${colors.cyan(frames[frame++ % frames.length] as string)} ${text}`);
  draw();
  const timer = setInterval(draw, 80);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    stream.write("\r\u001b[2K");
  }
}

/** A line for the person at the terminal, on stderr (stdout is for results and the stdio channel). */
export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}
