/** The "browser" of the conformance clients (client.ts, client-extensions.ts). */

/**
 * The suite's mock authorization server approves at once: the "browser" is a request to the
 * authorization URL, and the callback URL is where it redirects.
 */
export async function followAuthorization(authorizationUrl: string): Promise<string> {
  const response = await fetch(authorizationUrl, { redirect: "manual" });
  await response.body?.cancel();
  const location = response.headers.get("location");
  if (response.status < 300 || response.status >= 400 || !location)
    throw new Error(`the authorization endpoint answered HTTP ${response.status} without a redirect`);
  return new URL(location, authorizationUrl).href;
}
