/**
 * The values behind `ctx.getState` / `ctx.setState`: kept per session (a legacy session, or one
 * connection), as JSON text so that they behave the same in memory and in a shared store.
 */

/** Where one session's values live. */
export interface SessionValues {
  get(key: string): Promise<string | undefined>;
  set(key: string, json: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The most keys one session keeps in memory; past it, the oldest written goes first. */
const MAX_KEYS = 1000;

/** A session's values in this process's memory (every server without a shared store). */
export function memoryValues(): SessionValues {
  const values = new Map<string, string>();
  return {
    async get(key) {
      return values.get(key);
    },
    async set(key, json) {
      values.delete(key);
      values.set(key, json);
      if (values.size > MAX_KEYS) values.delete(values.keys().next().value as string);
    },
    async delete(key) {
      values.delete(key);
    },
  };
}
