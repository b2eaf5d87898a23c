/** Unit tests of the POSIX-like command line splitter used by auto-detection. */
import { describe, expect, it } from "vitest";
import { shellSplit } from "../../src/client/shell-split.js";

describe("shellSplit", () => {
  it("splits on any run of whitespace and ignores it at both ends", () => {
    expect(shellSplit("python server.py")).toEqual(["python", "server.py"]);
    expect(shellSplit("  a \t b\n\nc  ")).toEqual(["a", "b", "c"]);
    expect(shellSplit("single")).toEqual(["single"]);
  });

  it("gives no words for an empty or blank line", () => {
    expect(shellSplit("")).toEqual([]);
    expect(shellSplit(" \t\n ")).toEqual([]);
  });

  it("keeps single-quoted text literally, backslashes and double quotes included", () => {
    expect(shellSplit("echo 'two words'")).toEqual(["echo", "two words"]);
    expect(shellSplit("echo 'a\\b \"c\"'")).toEqual(["echo", 'a\\b "c"']);
    expect(shellSplit("echo '$HOME'")).toEqual(["echo", "$HOME"]);
  });

  it('lets \\" \\\\ \\$ and \\` escape inside double quotes, and keeps other backslashes', () => {
    expect(shellSplit('echo "say \\"hi\\""')).toEqual(["echo", 'say "hi"']);
    expect(shellSplit('echo "a\\\\b"')).toEqual(["echo", "a\\b"]);
    expect(shellSplit('echo "\\$HOME \\`x\\`"')).toEqual(["echo", "$HOME `x`"]);
    expect(shellSplit('echo "a\\nb"')).toEqual(["echo", "a\\nb"]);
    expect(shellSplit('echo "it\'s"')).toEqual(["echo", "it's"]);
  });

  it("lets a backslash outside quotes escape the next character", () => {
    expect(shellSplit("my\\ server.py --x")).toEqual(["my server.py", "--x"]);
    expect(shellSplit("a\\'b")).toEqual(["a'b"]);
    expect(shellSplit('a\\"b')).toEqual(['a"b']);
    expect(shellSplit("a\\\\b")).toEqual(["a\\b"]);
  });

  it("keeps a trailing lone backslash", () => {
    expect(shellSplit("a\\")).toEqual(["a\\"]);
  });

  it("joins adjacent quoted and unquoted parts into one word", () => {
    expect(shellSplit(`--name="Ada Lovelace"`)).toEqual(["--name=Ada Lovelace"]);
    expect(shellSplit(`a"b c"'d e'f`)).toEqual(["ab cd ef"]);
  });

  it("keeps empty quoted strings as empty words", () => {
    expect(shellSplit(`cmd "" ''`)).toEqual(["cmd", "", ""]);
    expect(shellSplit(`""`)).toEqual([""]);
  });

  it("expands nothing: variables, globs, tildes and operators stay literal", () => {
    expect(shellSplit("echo $HOME ~ *.py a|b c;d e&&f > out")).toEqual([
      "echo",
      "$HOME",
      "~",
      "*.py",
      "a|b",
      "c;d",
      "e&&f",
      ">",
      "out",
    ]);
  });

  it("keeps non-ASCII text", () => {
    expect(shellSplit("grüß 'héllo wörld' 日本")).toEqual(["grüß", "héllo wörld", "日本"]);
  });

  it("throws on an unterminated quote, naming it", () => {
    expect(() => shellSplit('python "server.py')).toThrow(/Unterminated " quote/);
    expect(() => shellSplit("python 'server.py")).toThrow(/Unterminated ' quote/);
    expect(() => shellSplit(`echo "it's`)).toThrow(/Unterminated " quote/);
  });
});
