/**
 * Splits a command line into words the way a POSIX shell would for simple commands: whitespace
 * separates words, single quotes are literal, double quotes allow \" and \\, a backslash escapes
 * the next character. Nothing is expanded and no shell is run.
 */
export function shellSplit(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (
        char === "\\" &&
        (line[i + 1] === '"' || line[i + 1] === "\\" || line[i + 1] === "$" || line[i + 1] === "`")
      ) {
        word += line[++i];
      } else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === "\\" && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote) throw new TypeError(`Unterminated ${quote} quote in command line: ${line}`);
  if (inWord) words.push(word);
  return words;
}
