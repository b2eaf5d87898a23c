/** Fuzzing the Host/Origin guard: any header text is judged without throwing, and only allowed hosts pass. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { HttpRequestLike } from "../../src/transports/http/exchange.js";
import {
  guardRequest,
  type HttpGuardOptions,
  isLoopback,
  LOOPBACK_HOSTS,
} from "../../src/transports/http/guard.js";
import { FUZZ_TIMEOUT, runs } from "./settings.js";

/** A request that carries only the given headers (the guard reads nothing else). */
function request(headers: Record<string, string | undefined>): HttpRequestLike {
  return {
    method: "POST",
    url: new URL("http://127.0.0.1/mcp"),
    pathname: "/mcp",
    header: (name) => headers[name],
    headers: () =>
      Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<
        string,
        string
      >,
    text: async () => "",
    signal: new AbortController().signal,
  };
}

async function passes(
  headers: Record<string, string | undefined>,
  options: HttpGuardOptions,
): Promise<boolean> {
  const outcome = await guardRequest(request(headers), options, undefined);
  if ("reply" in outcome) expect(outcome.reply.status).toBe(403);
  return !("reply" in outcome);
}

/** A well-formed Host: a name or [IPv6], and an optional port. */
const name = fc.oneof(
  fc.constantFrom(
    "localhost",
    "127.0.0.1",
    "[::1]",
    "example.com",
    "LOCALHOST",
    "127.0.0.2",
    "evil.com",
    "localhost.evil.com",
  ),
  fc.domain(),
  fc.ipV4(),
  fc.ipV6().map((ip) => `[${ip}]`),
);
const host = fc
  .tuple(name, fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }))
  .map(([n, port]) => (port === undefined ? n : `${n}:${port}`));
const anyText = fc.oneof(
  fc.string({ unit: "binary" }),
  host,
  fc.constantFrom("", "[", "]", ":", "[::1", "a b", "http://["),
);

/** The rule, written plainly: an entry with a port allows that host:port; one without, the name on any port. */
function allowedByModel(hostHeader: string, allowed: string[]): boolean {
  const lower = hostHeader.toLowerCase();
  const bracket = lower.startsWith("[") ? lower.indexOf("]") : -1;
  const hostName = bracket >= 0 ? lower.slice(0, bracket + 1) : (lower.split(":")[0] as string);
  return allowed.some((entry) => {
    const wanted = entry.toLowerCase();
    const hasPort = wanted.startsWith("[") ? wanted.includes("]:") : wanted.includes(":");
    return hasPort ? wanted === lower : wanted === hostName;
  });
}

describe("Host/Origin guard fuzzing", () => {
  it(
    "judges any Host and Origin text without throwing, refusing with 403",
    async () => {
      const options = fc.record(
        {
          allowedHosts: fc.option(fc.array(fc.oneof(host, fc.string()), { maxLength: 3 }), {
            nil: undefined,
          }),
          allowedOrigins: fc.option(
            fc.oneof(fc.constant<"*">("*"), fc.array(fc.string(), { maxLength: 2 })),
            {
              nil: undefined,
            },
          ),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.option(anyText, { nil: undefined }),
          fc.option(
            fc.oneof(
              anyText,
              fc.webUrl(),
              host.map((h) => `http://${h}`),
            ),
            { nil: undefined },
          ),
          options,
          async (hostHeader, origin, options) => {
            await passes({ host: hostHeader, origin }, options as HttpGuardOptions);
          },
        ),
        runs(1500),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "lets a well-formed Host through exactly when the allow-list names it",
    async () => {
      const allowed = fc.oneof(
        fc.constant(LOOPBACK_HOSTS),
        fc.array(fc.oneof(host, name), { minLength: 1, maxLength: 3 }),
      );
      await fc.assert(
        fc.asyncProperty(host, allowed, async (hostHeader, allowedHosts) => {
          expect(await passes({ host: hostHeader }, { allowedHosts })).toBe(
            allowedByModel(hostHeader, allowedHosts),
          );
        }),
        runs(1500),
      );
    },
    FUZZ_TIMEOUT,
  );

  it("compares a Host with an entry without a port by the whole name before its port", async () => {
    // The allow-list check compares in place (no slicing): a name that only starts like an entry,
    // or an entry with another port, never passes; case does not matter.
    const cases: [string, string[], boolean][] = [
      ["localhost:3000", ["localhost"], true],
      ["LOCALHOST:3000", ["localhost"], true],
      ["localhost", ["LocalHost"], true],
      ["localhost.evil.com:3000", ["localhost"], false],
      ["localhostx", ["localhost"], false],
      ["localhost:3000", ["localhost:4000"], false],
      ["localhost:4000", ["localhost:4000"], true],
      ["[::1]:3000", ["[::1]"], true],
      ["[::1]evil", ["[::1]"], false],
      ["[::1]", ["[::1]:3000"], false],
    ];
    for (const [hostHeader, allowedHosts, expected] of cases)
      expect([hostHeader, await passes({ host: hostHeader }, { allowedHosts })]).toEqual([
        hostHeader,
        expected,
      ]);
  });

  it(
    "refuses by default a cross-site Origin to a loopback server",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom("localhost:3000", "127.0.0.1:8080", "[::1]:9000"),
          fc.webUrl({ validSchemes: ["http", "https"] }).filter((url) => {
            const { hostname } = new URL(url);
            return !["localhost", "127.0.0.1", "[::1]"].includes(hostname);
          }),
          async (hostHeader, origin) => {
            expect(
              await passes(
                { host: hostHeader, origin: new URL(origin).origin },
                { allowedHosts: LOOPBACK_HOSTS },
              ),
            ).toBe(false);
          },
        ),
        runs(500),
      );
    },
    FUZZ_TIMEOUT,
  );
});

describe("Host/Origin guard regressions found by fuzzing", () => {
  it("takes as loopback exactly localhost, ::1 and IPv4 dotted quads in 127.0.0.0/8 (not 127.evil.com)", () => {
    for (const name of [
      "127.evil.com",
      "127.0.0.1.evil.com",
      "127.",
      "127.1",
      "127.0.0.256",
      "127.0.0.01",
      "128.0.0.1",
    ])
      expect(isLoopback(name), name).toBe(false);
    for (const name of [
      "127.0.0.1",
      "127.255.255.255",
      "127.1.2.3",
      "localhost",
      "LocalHost",
      "::1",
      "[::1]",
    ])
      expect(isLoopback(name), name).toBe(true);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.ipV4(),
          fc.domain(),
          fc.domain().map((d) => `127.${d}`),
        ),
        (name) => {
          const quad = /^\d+\.\d+\.\d+\.\d+$/.test(name);
          expect(isLoopback(name)).toBe(name === "localhost" || (quad && name.startsWith("127.")));
        },
      ),
      runs(1500),
    );
  });
});
