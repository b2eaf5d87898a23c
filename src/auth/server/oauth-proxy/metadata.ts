/** The proxy's RFC 8414 authorization server metadata. */
import type { ProxyContext } from "./context.js";

export function authorizationServerMetadata(
  context: ProxyContext,
  clientMetadataDocuments: boolean,
): Record<string, unknown> {
  return {
    issuer: context.issuer,
    authorization_endpoint: context.urls.authorize,
    token_endpoint: context.urls.token,
    registration_endpoint: context.urls.register,
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: ["none", "client_secret_post", "client_secret_basic"],
    ...(context.validScopes ? { scopes_supported: [...context.validScopes] } : {}),
    // RFC 9207: every authorization response names the issuer.
    authorization_response_iss_parameter_supported: true,
    ...(clientMetadataDocuments ? { client_id_metadata_document_supported: true } : {}),
  };
}
