/**
 * Entra ID (AADSTS) error responses, shaped byte-for-byte like login.microsoftonline.com's so that the CLI's
 * error mapping (AADSTS code -> advice) and msal-node's ServerError parsing see what they see in production:
 *
 *   {"error":"invalid_client",
 *    "error_description":"AADSTS7000215: Invalid client secret provided. ...\r\nTrace ID: ...\r\nCorrelation ID: ...\r\nTimestamp: 2026-01-01 10:00:00Z",
 *    "error_codes":[7000215],"timestamp":"2026-01-01 10:00:00Z","trace_id":"...","correlation_id":"...",
 *    "error_uri":"https://login.microsoftonline.com/error?code=7000215"}
 */
import type {IdpRequest, IdpResponse} from './http.js'

export interface EntraErrorBody {
  error: string
  error_description: string
  error_codes: number[]
  timestamp: string
  trace_id: string
  correlation_id: string
  error_uri: string
  suberror?: string
}

/** One AADSTS error: the OAuth `error`, the HTTP status Entra uses for it, the code and the message text. */
export interface EntraError {
  status: number
  error: string
  code: number
  message: string
  suberror?: string
  headers?: Record<string, string>
}

/** Entra's timestamp format: `2026-01-01 10:00:00Z` (no `T`, no milliseconds). */
export function entraTimestamp(date = new Date()): string {
  return date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z')
}

export function entraErrorResponse(
  origin: string,
  req: Pick<IdpRequest, 'correlationId' | 'traceId'>,
  e: EntraError,
): IdpResponse {
  const timestamp = entraTimestamp()
  const body: EntraErrorBody = {
    error: e.error,
    error_description: `AADSTS${e.code}: ${e.message}\r\nTrace ID: ${req.traceId}\r\nCorrelation ID: ${req.correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [e.code],
    timestamp,
    trace_id: req.traceId,
    correlation_id: req.correlationId,
    error_uri: `${origin}/error?code=${e.code}`,
    ...(e.suberror ? {suberror: e.suberror} : {}),
  }
  return {status: e.status, body, headers: e.headers ?? {}}
}

/**
 * The catalogue. Message texts are Entra's own as far as they are publicly documented / observed; `{x}`
 * placeholders are filled by the functions. Later grants add theirs here (AADSTS50126, authorization_pending...).
 */
export const AADSTS = {
  /** Wrong secret (also: a secret sent for an app that has none). */
  invalidClientSecret: (clientId: string): EntraError => ({
    status: 401,
    error: 'invalid_client',
    code: 7000215,
    message: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
  }),
  /** Confidential grant without any client credential. */
  missingClientCredential: (grantType: string): EntraError => ({
    status: 401,
    error: 'invalid_client',
    code: 7000216,
    message: `'client_assertion', 'client_secret' or 'request' is required for the '${grantType}' grant type.`,
  }),
  unknownApplication: (clientId: string, directory: string): EntraError => ({
    status: 400,
    error: 'unauthorized_client',
    code: 700016,
    message: `Application with identifier '${clientId}' was not found in the directory '${directory}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  }),
  invalidScope: (scope: string): EntraError => ({
    status: 400,
    error: 'invalid_scope',
    code: 70011,
    message: `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
  }),
  /** Unknown tenant on the token endpoint (`invalid_request`); the metadata endpoint says `invalid_tenant`. */
  tenantNotFound: (tenant: string, error = 'invalid_request'): EntraError => ({
    status: 400,
    error,
    code: 90002,
    message: `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  }),
  /** client_credentials against /common or /organizations. */
  noTenantInformation: (): EntraError => ({
    status: 400,
    error: 'invalid_request',
    code: 50059,
    message: 'No tenant-identifying information found in either the request or implied by any provided credentials.',
  }),
  missingParameter: (name: string): EntraError => ({
    status: 400,
    error: 'invalid_request',
    code: 900144,
    message: `The request body must contain the following parameter: '${name}'.`,
  }),
  unsupportedGrantType: (grantType: string): EntraError => ({
    status: 400,
    error: 'unsupported_grant_type',
    code: 70003,
    message: `The app requested an unsupported grant type '${grantType}'.`,
  }),
  malformedRequest: (detail?: string): EntraError => ({
    status: 400,
    error: 'invalid_request',
    code: 9002313,
    message: `Invalid request. Request is malformed or invalid.${detail ? ` - ${detail}` : ''}`,
  }),
  postOnly: (method: string): EntraError => ({
    status: 400,
    error: 'invalid_request',
    code: 900561,
    message: `The endpoint only accepts POST requests. Received a ${method} request.`,
  }),
  // --- client assertion (certificate credential) failures ---
  assertionKeyNotRegistered: (clientId: string, thumbprint: string): EntraError => ({
    status: 401,
    error: 'invalid_client',
    code: 700027,
    message: `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${clientId}'.]`,
  }),
  assertionSignatureInvalid: (detail?: string): EntraError => ({
    status: 401,
    error: 'invalid_client',
    code: 700027,
    message: `Client assertion failed signature validation.${detail ? ` [Reason - ${detail}]` : ''}`,
  }),
  assertionMalformed: (detail: string): EntraError => ({
    status: 401,
    error: 'invalid_client',
    code: 700027,
    message: `Client assertion contains an invalid signature or is malformed. [Reason - ${detail}]`,
  }),
  assertionClientMismatch: (): EntraError => ({
    status: 401,
    error: 'invalid_client',
    code: 700021,
    message:
      "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .",
  }),
  assertionAudienceMismatch: (): EntraError => ({
    status: 401,
    error: 'invalid_client',
    code: 700023,
    message:
      'Client assertion audience claim does not match Realm issuer. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .',
  }),
  assertionOutsideValidity: (now: number, nbf: number | undefined, exp: number | undefined): EntraError => ({
    status: 401,
    error: 'invalid_client',
    code: 700024,
    message: `Client assertion is not within its valid time range. Current time: ${iso(now)}, assertion valid from ${nbf === undefined ? 'unknown' : iso(nbf)}, expiry time of assertion ${exp === undefined ? 'unknown' : iso(exp)}. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .`,
  }),
  // --- federated credentials (workload identity) ---
  federatedIssuerNotFound: (issuer: string): EntraError => ({
    status: 400,
    error: 'invalid_request',
    code: 700211,
    message: `No matching federated identity record found for presented assertion issuer '${issuer}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`,
  }),
  federatedRecordNotFound: (issuer: string, subject: string, audience: string): EntraError => ({
    status: 400,
    error: 'invalid_request',
    code: 70021,
    message: `No matching federated identity record found for presented assertion. Assertion Issuer: '${issuer}'. Assertion Subject: '${subject}'. Assertion Audience: '${audience}'. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`,
  }),
  federatedMetadataUnreachable: (issuer: string): EntraError => ({
    status: 400,
    error: 'invalid_client',
    code: 90061,
    message: `Request to External OIDC endpoint failed. Could not read the OpenID configuration of issuer '${issuer}'.`,
  }),
  // --- injected faults ---
  serverError: (): EntraError => ({
    status: 500,
    error: 'server_error',
    code: 50000,
    message: 'There was an error issuing a token or an issue with our sign-in service.',
  }),
  temporarilyUnavailable: (status: number): EntraError => ({
    status,
    error: 'temporarily_unavailable',
    code: 90033,
    message: 'A transient error has occurred. Please try again.',
  }),
  throttled: (): EntraError => ({
    status: 429,
    error: 'temporarily_unavailable',
    code: 90055,
    message:
      'TenantThrottlingError - There are too many incoming requests. This exception is thrown for blocked tenants.',
  }),
} as const

function iso(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}
