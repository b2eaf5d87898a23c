/**
 * Resources (data a client reads by URI) and resource templates (URIs with variables), with
 * completion of a template variable and a change notification.
 *
 *   npx tsx examples/resources-server.ts      # stdio
 */
import { FastMCP, ResourceError } from "fastmcp-ts";

const mcp = new FastMCP({ name: "Resources Server", version: "1.0.0" });

const notes = new Map([
  ["groceries", "eggs, milk, coffee"],
  ["garden", "water the tomatoes"],
]);

// A static resource. A string is text, bytes (Uint8Array) are a blob, anything else is JSON.
mcp.resource("notes://index", { description: "The names of all notes" }, () => [...notes.keys()]);

mcp.resource("notes://readme", { description: "About this server", mimeType: "text/markdown" }, () => {
  return "# Notes\nRead `notes://{name}` for one note.";
});

// A template: `{name}` is matched from the URI and handed to the handler (typed from the URI).
mcp.resource(
  "notes://{name}",
  {
    description: "One note",
    mimeType: "text/plain",
    // Suggestions for `{name}` as the user types (`completion/complete`).
    complete: { name: (value) => [...notes.keys()].filter((key) => key.startsWith(value)) },
  },
  ({ name }) => {
    const note = notes.get(name);
    // A ResourceError's message reaches the client as is; other errors are internal errors.
    if (note === undefined) throw new ResourceError(`No note named ${name}`);
    return note;
  },
);

// A tool that changes a resource, and tells subscribed clients it changed.
mcp.tool(
  "append",
  {
    description: "Appends a line to a note.",
    inputSchema: {
      type: "object",
      properties: { name: { type: "string" }, line: { type: "string" } },
      required: ["name", "line"],
    },
  },
  ({ name, line }) => {
    notes.set(String(name), `${notes.get(String(name)) ?? ""}\n${String(line)}`.trim());
    mcp.notifyResourceUpdated(`notes://${name}`);
    return "ok";
  },
);

export default mcp;

if (import.meta.url === `file://${process.argv[1]}`) await mcp.run();
