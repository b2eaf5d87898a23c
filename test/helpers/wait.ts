/** Waiting helpers shared by every test: a deferred, a deadline on a promise, and a poll. */

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  readonly settled: boolean;
}

/** A promise with its `resolve` outside, and whether it has been resolved. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let settled = false;
  const promise = new Promise<T>((r) => {
    resolve = (value) => {
      settled = true;
      r(value);
    };
  });
  return {
    promise,
    resolve: (value) => resolve(value),
    get settled() {
      return settled;
    },
  };
}

/** Rejects with a clear message when `promise` does not settle within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` (sync or async) until it holds; fails after `ms`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  ms = 5000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `vi.waitFor` options: an upper bound that holds on a busy machine (its default, 1 s, may not). */
export const WAIT_FOR = { timeout: 5000, interval: 20 } as const;
