/**
 * What a server loads once it serves, in one file (the server-serve layer, chunks/server-serve.js):
 * the dispatcher with the method handlers, sessions and stateless exchanges, the stdio loop, and
 * the members of a handler's context (installed on every Context as this loads).
 * `run()`, `listen()`, the HTTP handlers and the first session or exchange load it (`loadServing()`
 * in kernel.ts); importing the package does not.
 */

import { installContextMembers } from "./context-members.js";

installContextMembers();

export { mountedSource } from "../compose/mount.js";
export { serveLines } from "../transports/stdio/serve.js";
export { Dispatcher } from "./dispatcher.js";
export { exchange, exchangeNotification } from "./exchange.js";
export { RequestStateCodec } from "./request-state.js";
export { httpRunSettings } from "./run-settings.js";
export { httpApp, joinScaleOut, listenServer, runHttpServer } from "./serve-methods.js";
export { ChannelSession } from "./session.js";
export { SubscriptionHub } from "./subscriptions.js";
