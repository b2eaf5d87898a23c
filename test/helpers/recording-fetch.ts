/** A fetch that records each HTTP exchange a client makes: how a test reads a login's steps and 401s. */

/** One HTTP exchange: the request, and the status and challenge that answered it. */
export interface Exchange {
  method: string;
  url: string;
  status: number;
  authorization: string | null;
  /** The response's `WWW-Authenticate`. */
  challenge: string | null;
}

export function recordingFetch(): { fetch: typeof fetch; exchanges: Exchange[] } {
  const exchanges: Exchange[] = [];
  const recorder = async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    const response = await fetch(input, init);
    exchanges.push({
      method: request.method,
      url: request.url,
      status: response.status,
      authorization: request.headers.get("authorization"),
      challenge: response.headers.get("www-authenticate"),
    });
    return response;
  };
  return { fetch: recorder as typeof fetch, exchanges };
}

/**
 * A fetch that can hold one 401 back: after `holdNext()`, the next refused response reaches the
 * client only on `release()` (the promise `holdNext()` returns resolves once one is held). How a
 * test makes a refusal arrive late, after another request already got new credentials.
 */
export function holdingFetch(): { fetch: typeof fetch; holdNext(): Promise<void>; release(): void } {
  let hold: (() => void) | undefined;
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const holder = async (input: string | URL | Request, init?: RequestInit) => {
    const response = await fetch(input, init);
    if (response.status === 401 && hold) {
      const held = hold;
      hold = undefined;
      held();
      await released;
    }
    return response;
  };
  return {
    fetch: holder as typeof fetch,
    holdNext: () =>
      new Promise<void>((resolve) => {
        hold = resolve;
      }),
    release: () => release(),
  };
}
