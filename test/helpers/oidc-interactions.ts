/**
 * The login and consent pages of the test OpenID provider (test/helpers/oidc.ts), in place of
 * oidc-provider's development interactions: two small HTML forms under `/interaction/<uid>` that a
 * browser (or `playUser`, test/helpers/oidc-user.ts) fills in. Any user name signs in; the consent
 * page lists the scopes asked for, each a checkbox, and the user may approve some of them or deny.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** What `provider.interactionDetails()` holds that the pages read. */
interface InteractionDetails {
  uid: string;
  prompt: {
    name: string;
    details: { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> };
  };
  params: { client_id?: string; scope?: string };
  session?: { accountId?: string };
  grantId?: string;
}

/** A grant under construction (oidc-provider's `Grant` model). */
interface Grant {
  addOIDCScope(scope: string): void;
  addResourceScope(resource: string, scope: string): void;
  rejectResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}

/** The slice of an oidc-provider instance the pages use. */
export interface InteractionProvider {
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  Grant: {
    new (init: { accountId: string; clientId: string }): Grant;
    find(id: string): Promise<Grant | undefined>;
  };
}

/** Where the provider sends the browser for an interaction. */
export const INTERACTION_PREFIX = "/interaction/";

/** Largest form body the pages read. */
const MAX_FORM_BYTES = 16 * 1024;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: ServerResponse, status: number, title: string, body: string): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(`<!doctype html><html><head><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new Error("form too large");
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function loginPage(res: ServerResponse, uid: string): void {
  page(
    res,
    200,
    "Sign in",
    `<form method="post" action="${INTERACTION_PREFIX}${uid}/login">` +
      '<label>User <input name="user" required></label> <button type="submit">Sign in</button></form>',
  );
}

function consentPage(res: ServerResponse, details: InteractionDetails): void {
  const resources = details.prompt.details.missingResourceScopes ?? {};
  const scopes = [...new Set(Object.values(resources).flat())];
  const boxes = scopes
    .map(
      (s) =>
        `<label><input type="checkbox" name="scope" value="${escapeHtml(s)}" checked> ${escapeHtml(s)}</label>`,
    )
    .join("<br>");
  page(
    res,
    200,
    "Authorize",
    `<p>${escapeHtml(details.params.client_id ?? "A client")} asks for access as ${escapeHtml(
      details.session?.accountId ?? "",
    )}.</p><form method="post" action="${INTERACTION_PREFIX}${details.uid}/consent">${boxes}` +
      '<button type="submit" name="decision" value="approve">Allow</button>' +
      '<button type="submit" name="decision" value="deny">Deny</button></form>',
  );
}

/** Records the user's consent: the OIDC scopes asked, and of the resource scopes those checked. */
async function grantConsent(
  provider: InteractionProvider,
  details: InteractionDetails,
  checked: Set<string>,
): Promise<string> {
  const { missingOIDCScope, missingResourceScopes } = details.prompt.details;
  const accountId = details.session?.accountId;
  const clientId = details.params.client_id;
  if (!accountId || !clientId) throw new Error("consent without a signed-in user");
  const grant =
    (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
    new provider.Grant({ accountId, clientId });
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(" "));
  for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {})) {
    const granted = scopes.filter((s) => checked.has(s));
    const refused = scopes.filter((s) => !checked.has(s));
    if (granted.length) grant.addResourceScope(resource, granted.join(" "));
    // Refused scopes are "encountered": the provider does not ask for them again, the token lacks them.
    if (refused.length) grant.rejectResourceScope(resource, refused.join(" "));
  }
  return grant.save();
}

/**
 * Serves `/interaction/<uid>` (the page for the pending prompt), `…/login` and `…/consent`.
 * Returns false for other paths (the provider's own).
 */
export async function handleInteraction(
  provider: InteractionProvider,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const path = new URL(req.url ?? "/", "http://x").pathname;
  if (!path.startsWith(INTERACTION_PREFIX)) return false;
  const action = path.slice(INTERACTION_PREFIX.length).split("/")[1];
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === "GET" && action === undefined) {
      if (details.prompt.name === "login") loginPage(res, details.uid);
      else if (details.prompt.name === "consent") consentPage(res, details);
      else page(res, 501, "Not implemented", `prompt ${escapeHtml(details.prompt.name)}`);
      return true;
    }
    if (
      req.method !== "POST" ||
      (action !== "login" && action !== "consent") ||
      action !== details.prompt.name
    ) {
      page(res, 400, "Bad request", "This step is not expected now.");
      return true;
    }
    const form = await readForm(req);
    if (action === "login") {
      const user = form.get("user")?.trim();
      if (!user) {
        page(res, 400, "Sign in", "A user name is required.");
        return true;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: user } },
        { mergeWithLastSubmission: false },
      );
      return true;
    }
    if (form.get("decision") !== "approve") {
      await provider.interactionFinished(
        req,
        res,
        { error: "access_denied", error_description: "The user denied access" },
        { mergeWithLastSubmission: false },
      );
      return true;
    }
    const grantId = await grantConsent(provider, details, new Set(form.getAll("scope")));
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  } catch (error) {
    if (!res.headersSent) page(res, 400, "Bad request", escapeHtml(String((error as Error).message)));
  }
  return true;
}
