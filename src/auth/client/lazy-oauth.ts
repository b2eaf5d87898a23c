/**
 * `auth: "oauth"`: an `OAuth` with its defaults, loaded on first use so that a Client that never
 * asks for it (and the root entry point) never loads the OAuth code.
 */
import type { AuthChallenge, ClientAuthProvider } from "./provider.js";

export class LazyOAuth implements ClientAuthProvider {
  private provider: ClientAuthProvider | undefined;
  private loading: Promise<ClientAuthProvider> | undefined;

  private load(): Promise<ClientAuthProvider> {
    this.loading ??= import("./oauth.js").then(({ OAuth }) => {
      this.provider = new OAuth();
      return this.provider;
    });
    return this.loading;
  }

  headers(url: string): Record<string, string> | Promise<Record<string, string>> {
    if (this.provider) return this.provider.headers(url);
    return this.load().then((provider) => provider.headers(url));
  }

  async unauthorized(challenge: AuthChallenge): Promise<boolean> {
    const provider = await this.load();
    return provider.unauthorized ? provider.unauthorized(challenge) : false;
  }
}
