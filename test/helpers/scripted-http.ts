/**
 * A scripted node:http server on 127.0.0.1 for client tests: each request's JSON body is parsed and
 * handed to a handler that answers as the test needs (well or badly), and every connection the server
 * accepts is tracked until it closes. Closed after the test.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Server, Socket } from "node:net";
import { onTestFinished } from "vitest";
import { listenLocal } from "./node-host.js";
import { deferred } from "./wait.js";

export type ScriptedHandler = (
  req: IncomingMessage,
  body: Record<string, any> | undefined,
  res: ServerResponse,
) => void;

/** The connections a server accepted, each with a promise of its close. */
export function trackConnections(server: Server): { accepted: Promise<void>[] } {
  const accepted: Promise<void>[] = [];
  server.on("connection", (socket: Socket) => {
    const closed = deferred();
    socket.on("close", () => closed.resolve());
    accepted.push(closed.promise);
  });
  return { accepted };
}

/** A node:http server on 127.0.0.1 answering with `handler`: its origin and its connections. */
export async function scripted(
  handler: ScriptedHandler,
): Promise<{ origin: string; accepted: Promise<void>[] }> {
  const server = createServer((req, res) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      text += chunk;
    });
    req.on("end", () => handler(req, text ? JSON.parse(text) : undefined, res));
  });
  const { accepted } = trackConnections(server);
  const port = await listenLocal(server);
  onTestFinished(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { origin: `http://127.0.0.1:${port}`, accepted };
}
