/**
 * What a server loads once it serves, in one file (the server-serve layer, chunks/server-serve.js):
 * the dispatcher with the method handlers, sessions and stateless exchanges, and the stdio loop.
 * `run()`, `listen()`, the HTTP handlers and the first session or exchange load it (`loadServing()`
 * in kernel.ts); importing the package does not.
 */
export { serveLines } from "../transports/stdio/serve.js";
export { Dispatcher } from "./dispatcher.js";
export { exchange, exchangeNotification } from "./exchange.js";
export { ChannelSession } from "./session.js";
