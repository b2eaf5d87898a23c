/**
 * The stdio line decoder's cap, and reading which message an over-cap line was from its two ends
 * (the middle is never buffered).
 */
import { describe, expect, it } from "vitest";
import { LineDecoder, type OversizedLine, peekEnvelope } from "../../src/transports/stdio/lines.js";

function decode(chunks: (string | Buffer)[], maxLineBytes: number) {
  const lines: string[] = [];
  const oversized: OversizedLine[] = [];
  const decoder = new LineDecoder({
    maxLineBytes,
    onLine: (line) => lines.push(line),
    onOversized: (line) => oversized.push(line),
  });
  for (const chunk of chunks) decoder.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  decoder.end();
  return { lines, oversized };
}

/** The envelope of an over-cap line, decoded with a cap of 100 bytes, split into 997-byte chunks. */
function envelopeOf(message: string) {
  const chunks: string[] = [];
  for (let i = 0; i < message.length; i += 997) chunks.push(message.slice(i, i + 997));
  const { oversized } = decode([...chunks, "\n"], 100);
  expect(oversized).toHaveLength(1);
  const [line] = oversized as [OversizedLine];
  expect(line.bytes).toBe(Buffer.byteLength(message));
  return peekEnvelope(line.head, line.tail);
}

const big = (n = 20_000) => JSON.stringify('a"}{,:\\'.repeat(n));

describe("LineDecoder: the cap", () => {
  it("reports an over-cap line with its full size and keeps the lines around it", () => {
    const long = `{"jsonrpc":"2.0","id":7,"result":${big()}}`;
    const { lines, oversized } = decode(
      ['{"a":1}\n', long.slice(0, 1000), long.slice(1000), '\r\n{"b":2}\n'],
      500,
    );
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
    expect(oversized.map((line) => [line.bytes, line.limit])).toEqual([[Buffer.byteLength(long), 500]]);
    expect(oversized[0]?.head.length).toBeLessThanOrEqual(4096);
    expect(oversized[0]?.tail.length).toBeLessThanOrEqual(4096);
  });

  it("reports an over-cap last line without a newline at end of input", () => {
    const { oversized } = decode(["x".repeat(300)], 100);
    expect(oversized.map((line) => line.bytes)).toEqual([300]);
  });
});

describe("peekEnvelope", () => {
  it("finds an id written first (fastmcp-ts, Python)", () => {
    expect(envelopeOf(`{"jsonrpc":"2.0","id":12,"result":${big()}}`)).toEqual({
      id: 12,
      method: false,
      response: true,
    });
  });

  it("finds an id written last (official TypeScript SDK)", () => {
    expect(
      envelopeOf(`{"result":{"content":[{"type":"text","text":${big()}}]},"jsonrpc":"2.0","id":"r-9"}`),
    ).toEqual({ id: "r-9", method: false, response: true });
  });

  it("tells a request from a response, at either end", () => {
    expect(envelopeOf(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":${big()}}`)).toMatchObject({
      id: 3,
      method: true,
    });
    expect(
      envelopeOf(`{"params":{"x":${big()}},"method":"tools/call","jsonrpc":"2.0","id":4}`),
    ).toMatchObject({
      id: 4,
      method: true,
    });
    expect(envelopeOf(`{"jsonrpc":"2.0","method":"notifications/message","params":${big()}}`)).toMatchObject({
      id: undefined,
      method: true,
    });
  });

  it("never takes a nested id for the message's", () => {
    expect(
      envelopeOf(`{"jsonrpc":"2.0","method":"x","params":{"id":99,"data":${big()}}}`).id,
    ).toBeUndefined();
    expect(envelopeOf(`{"jsonrpc":"2.0","result":{"data":${big()},"id":98}}`).id).toBeUndefined();
  });

  it("gives up on text that is not a JSON object", () => {
    expect(envelopeOf("z".repeat(5000))).toEqual({ id: undefined, method: false, response: false });
  });
});
