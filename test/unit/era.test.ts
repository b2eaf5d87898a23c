import { describe, expect, it } from "vitest";
import { McpError } from "../../src/errors.js";
import { hasModernClaim, type LegacyState, modernScope, resolveScope } from "../../src/protocol/era.js";
import { MetaKey } from "../../src/protocol/meta.js";
import { SUPPORTED_PROTOCOL_VERSIONS } from "../../src/protocol/versions.js";

function envelope(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    [MetaKey.ProtocolVersion]: "2026-07-28",
    [MetaKey.ClientCapabilities]: { sampling: {} },
    [MetaKey.ClientInfo]: { name: "test-client", version: "1.0.0" },
    ...extra,
  };
}

function thrown(run: () => unknown): McpError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(McpError);
    return error as McpError;
  }
  throw new Error("expected an McpError to be thrown");
}

const legacy: LegacyState = {
  protocolVersion: "2025-06-18",
  clientCapabilities: { roots: { listChanged: true } },
  clientInfo: { name: "old-client", version: "0.1" },
  logLevel: "warning",
  initialized: true,
};

describe("modernScope", () => {
  it("reads a valid envelope", () => {
    expect(modernScope(envelope({ [MetaKey.LogLevel]: "info" }))).toEqual({
      era: "modern",
      protocolVersion: "2026-07-28",
      clientCapabilities: { sampling: {} },
      clientInfo: { name: "test-client", version: "1.0.0" },
      logLevel: "info",
    });
  });

  it("allows clientInfo and logLevel to be absent", () => {
    const meta = envelope();
    delete meta[MetaKey.ClientInfo];
    expect(modernScope(meta)).toEqual({
      era: "modern",
      protocolVersion: "2026-07-28",
      clientCapabilities: { sampling: {} },
      clientInfo: undefined,
      logLevel: undefined,
    });
  });

  it.each([
    ["missing", undefined],
    ["null", null],
    ["an array", []],
    ["a string", "sampling"],
  ])("rejects clientCapabilities that are %s with -32602", (_label, capabilities) => {
    const meta = envelope({ [MetaKey.ClientCapabilities]: capabilities });
    if (capabilities === undefined) delete meta[MetaKey.ClientCapabilities];
    const error = thrown(() => modernScope(meta));
    expect(error.code).toBe(-32602);
    expect(error.message).toContain(MetaKey.ClientCapabilities);
  });

  it.each(["verbose", "INFO", 3, ""])("rejects the log level %j with -32602", (level) => {
    const error = thrown(() => modernScope(envelope({ [MetaKey.LogLevel]: level })));
    expect(error.code).toBe(-32602);
    expect(error.message).toContain(MetaKey.LogLevel);
    expect(error.message).toContain("debug");
  });

  it("accepts every MCP log level", () => {
    for (const level of ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]) {
      expect(modernScope(envelope({ [MetaKey.LogLevel]: level })).logLevel).toBe(level);
    }
  });

  it("rejects a clientInfo that is not an object with -32602", () => {
    const error = thrown(() => modernScope(envelope({ [MetaKey.ClientInfo]: "me" })));
    expect(error.code).toBe(-32602);
    expect(error.message).toContain(MetaKey.ClientInfo);
  });

  it("rejects a protocol version that is not a string with -32602", () => {
    const error = thrown(() => modernScope(envelope({ [MetaKey.ProtocolVersion]: 20260728 })));
    expect(error.code).toBe(-32602);
  });

  it.each(["2099-01-01", "2025-11-25", "2024-11-05"])(
    "answers the unsupported modern version %s with -32022, the supported list and the requested one",
    (version) => {
      const error = thrown(() => modernScope(envelope({ [MetaKey.ProtocolVersion]: version })));
      expect(error.code).toBe(-32022);
      expect(error.message).toContain(version);
      expect(error.data).toEqual({ supported: [...SUPPORTED_PROTOCOL_VERSIONS], requested: version });
      expect((error.data as { supported: string[] }).supported).toContain("2026-07-28");
    },
  );

  it("checks the version before the rest of the envelope", () => {
    const error = thrown(() => modernScope({ [MetaKey.ProtocolVersion]: "1999-01-01" }));
    expect(error.code).toBe(-32022);
  });
});

describe("resolveScope", () => {
  it("uses the modern envelope when the request carries one, even on a legacy session", () => {
    const scope = resolveScope({ name: "tool", _meta: envelope() }, legacy);
    expect(scope.era).toBe("modern");
    expect(scope.protocolVersion).toBe("2026-07-28");
    expect(scope.clientCapabilities).toEqual({ sampling: {} });
  });

  it("validates the envelope it finds", () => {
    const meta = envelope();
    delete meta[MetaKey.ClientCapabilities];
    expect(thrown(() => resolveScope({ _meta: meta }, legacy)).code).toBe(-32602);
  });

  it("falls back to the session's legacy state without an envelope", () => {
    const expected = {
      era: "legacy",
      protocolVersion: "2025-06-18",
      clientCapabilities: { roots: { listChanged: true } },
      clientInfo: { name: "old-client", version: "0.1" },
      logLevel: "warning",
    };
    expect(resolveScope(undefined, legacy)).toEqual(expected);
    expect(resolveScope({ name: "x" }, legacy)).toEqual(expected);
    // A _meta without the version key (a progress token, say) is still a legacy request.
    expect(resolveScope({ _meta: { progressToken: 1 } }, legacy)).toEqual(expected);
  });

  it("without an envelope or a session, explains what is missing", () => {
    const error = thrown(() => resolveScope({ name: "x" }, undefined));
    expect(error.code).toBe(-32602);
    expect(error.message).toContain(`Missing required _meta["${MetaKey.ProtocolVersion}"]`);
    expect(error.message).toContain("initialize");
    expect(thrown(() => resolveScope(undefined, undefined)).code).toBe(-32602);
    expect(thrown(() => resolveScope({ _meta: "nope" }, undefined)).code).toBe(-32602);
  });
});

describe("hasModernClaim", () => {
  it("is true only when _meta names a protocol version", () => {
    expect(hasModernClaim({ _meta: envelope() })).toBe(true);
    expect(hasModernClaim({ _meta: { [MetaKey.ProtocolVersion]: "anything" } })).toBe(true);
    expect(hasModernClaim({ _meta: { progressToken: 1 } })).toBe(false);
    expect(hasModernClaim({ _meta: [] })).toBe(false);
    expect(hasModernClaim({})).toBe(false);
    expect(hasModernClaim(undefined)).toBe(false);
  });
});
