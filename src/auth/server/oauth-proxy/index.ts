/** OAuthProxy and its store interface. */
export type { OAuthProxyOptions } from "./options.js";
export { OAuthProxy } from "./proxy.js";
export { MemoryOAuthProxyStore, type MemoryOAuthProxyStoreOptions, type OAuthProxyStore } from "./store.js";
