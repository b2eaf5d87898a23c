/** The JSON Schema dialects a plain JSON Schema may declare with `$schema`, checked at registration. */
import type { JSONSchema } from "./standard.js";

export type Draft = "4" | "7" | "2019-09" | "2020-12";

const DIALECTS: Record<string, Draft> = {
  "https://json-schema.org/draft/2020-12/schema": "2020-12",
  "https://json-schema.org/draft/2019-09/schema": "2019-09",
  "http://json-schema.org/draft-07/schema": "7",
  "http://json-schema.org/draft-04/schema": "4",
};

/** The draft `schema` declares (2020-12 when it declares none); throws on one not supported. */
export function dialectOf(schema: JSONSchema): Draft {
  const declared = schema.$schema;
  if (declared === undefined) return "2020-12";
  if (typeof declared !== "string") throw new TypeError("JSON Schema $schema must be a string");
  const draft =
    DIALECTS[
      declared
        .replace(/#$/, "")
        .replace(/^https:\/\/json-schema\.org\/draft-0/, "http://json-schema.org/draft-0")
    ];
  if (!draft) {
    throw new TypeError(
      `Unsupported JSON Schema dialect ${declared}; supported: 2020-12 (the default), 2019-09, draft-07, draft-04`,
    );
  }
  return draft;
}
