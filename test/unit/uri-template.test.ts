import { describe, expect, it } from "vitest";
import { matchUri } from "../../src/server/components/uri-match.js";
import { compileUriTemplate, isUriTemplate } from "../../src/server/components/uri-template.js";

describe("compileUriTemplate", () => {
  it("matches one simple variable as one path segment", () => {
    const template = compileUriTemplate("users://{id}/profile");
    expect(template.template).toBe("users://{id}/profile");
    expect(template.variables).toEqual(["id"]);
    expect(matchUri(template, "users://42/profile")).toEqual({ id: "42" });
    expect(matchUri(template, "users://a/b/profile")).toBeUndefined();
    expect(matchUri(template, "users:///profile")).toBeUndefined();
  });

  it("matches several variables", () => {
    const template = compileUriTemplate("repo://{owner}/{repo}/issues/{number}");
    expect(template.variables).toEqual(["owner", "repo", "number"]);
    expect(matchUri(template, "repo://octo/hello-world/issues/7")).toEqual({
      owner: "octo",
      repo: "hello-world",
      number: "7",
    });
  });

  it("anchors the whole URI", () => {
    const template = compileUriTemplate("weather://{city}/current");
    expect(matchUri(template, "weather://paris/current")).toEqual({ city: "paris" });
    expect(matchUri(template, "weather://paris/current/extra")).toBeUndefined();
    expect(matchUri(template, "xweather://paris/current")).toBeUndefined();
    expect(matchUri(template, "weather://paris/forecast")).toBeUndefined();
    expect(matchUri(template, "weather://paris")).toBeUndefined();
  });

  it("treats regex characters in the literal parts literally", () => {
    const template = compileUriTemplate("data://v1.0/{name}.json");
    expect(matchUri(template, "data://v1.0/report.json")).toEqual({ name: "report" });
    expect(matchUri(template, "data://v1x0/report.json")).toBeUndefined();
    expect(matchUri(template, "data://v1.0/reportxjson")).toBeUndefined();
  });

  it("{x*} matches the rest of the path, slashes included", () => {
    const template = compileUriTemplate("file:///{path*}");
    expect(template.variables).toEqual(["path"]);
    expect(matchUri(template, "file:///home/user/notes.txt")).toEqual({ path: "home/user/notes.txt" });
    expect(matchUri(template, "file:///single")).toEqual({ path: "single" });
  });

  it("{+x} matches slashes too", () => {
    const template = compileUriTemplate("docs://{+path}/raw");
    expect(matchUri(template, "docs://guide/intro/start/raw")).toEqual({ path: "guide/intro/start" });
    expect(matchUri(template, "docs:///raw")).toBeUndefined();
  });

  it("a simple variable does not match a slash but a greedy one next to it does", () => {
    const template = compileUriTemplate("git://{repo}/{path*}");
    expect(matchUri(template, "git://fastmcp/src/server/registry.ts")).toEqual({
      repo: "fastmcp",
      path: "src/server/registry.ts",
    });
  });

  it("{?q,r} query variables are optional and match in any order", () => {
    const template = compileUriTemplate("search://items{?q,limit}");
    expect(template.variables).toEqual(["q", "limit"]);
    expect(matchUri(template, "search://items")).toEqual({});
    expect(matchUri(template, "search://items?q=cats")).toEqual({ q: "cats" });
    expect(matchUri(template, "search://items?q=cats&limit=5")).toEqual({ q: "cats", limit: "5" });
    expect(matchUri(template, "search://items?limit=5&q=cats")).toEqual({ q: "cats", limit: "5" });
  });

  it("ignores query parameters the template does not name", () => {
    const template = compileUriTemplate("search://{index}{?q}");
    expect(matchUri(template, "search://books?page=2&q=dune")).toEqual({ index: "books", q: "dune" });
  });

  it("still requires the path part before the query to match", () => {
    const template = compileUriTemplate("search://items{?q}");
    expect(matchUri(template, "search://other?q=x")).toBeUndefined();
  });

  it("{&x} continues a query", () => {
    const template = compileUriTemplate("list://things{?page}{&size}");
    expect(template.variables).toEqual(["page", "size"]);
    expect(matchUri(template, "list://things?size=10&page=3")).toEqual({ page: "3", size: "10" });
  });

  it("percent-decodes path and query values", () => {
    const template = compileUriTemplate("notes://{title}{?tag}");
    expect(matchUri(template, "notes://hello%20world?tag=a%26b")).toEqual({
      title: "hello world",
      tag: "a&b",
    });
    expect(matchUri(compileUriTemplate("file:///{path*}"), "file:///my%20docs/caf%C3%A9.txt")).toEqual({
      path: "my docs/café.txt",
    });
  });

  it("keeps a value that is not valid percent-encoding as it is", () => {
    expect(matchUri(compileUriTemplate("x://{v}"), "x://100%")).toEqual({ v: "100%" });
  });

  it("does not let a simple variable swallow a query string", () => {
    const template = compileUriTemplate("users://{id}");
    expect(matchUri(template, "users://42?x=1")).toBeUndefined();
  });

  it.each([
    ["unbalanced opening brace", "users://{id"],
    ["unbalanced closing brace", "users://id}"],
    ["empty variable", "users://{}"],
    ["bad variable characters", "users://{a b}"],
    ["empty name in a list", "search://x{?q,}"],
    ["query expression not last", "search://{?q}/items"],
  ])("throws on an invalid template: %s", (_label, template) => {
    expect(() => compileUriTemplate(template)).toThrow(TypeError);
  });
});

describe("isUriTemplate", () => {
  it("tells templates from plain URIs", () => {
    expect(isUriTemplate("users://{id}/profile")).toBe(true);
    expect(isUriTemplate("search://x{?q}")).toBe(true);
    expect(isUriTemplate("config://test")).toBe(false);
    expect(isUriTemplate("file:///a/b.txt")).toBe(false);
  });
});
