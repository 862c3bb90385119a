/**
 * AADSTS errors of the delegated grants (authorization code, device code, refresh token) and of the sign-in pages,
 * with Entra's own wording where it is documented. Same shape as ./errors.ts, which holds the app-only ones.
 */
import type {EntraError} from './errors.js'

export const DELEGATED = {
  badCredentials: (): EntraError => ({
    status: 400,
    error: 'invalid_grant',
    code: 50126,
    message: 'Error validating credentials due to invalid username or password.',
  }),
  userNotFound: (username: string, directory: string): EntraError => ({
    status: 400,
    error: 'invalid_grant',
    code: 50034,
    message: `The user account ${username} does not exist in the ${directory} directory. To sign into this application, the account must be added to the directory.`,
  }),
  /** The user said no on the consent page (or cancelled the sign-in). */
  consentDeclined: (): EntraError => ({
    status: 400,
    error: 'access_denied',
    code: 65004,
    message: 'User declined to consent to access the app.',
  }),
  /** A refresh (or any silent grant) for a scope the user has not consented to. */
  consentRequired: (clientId: string, appName: string): EntraError => ({
    status: 400,
    error: 'invalid_grant',
    code: 65001,
    suberror: 'consent_required',
    message: `The user or administrator has not consented to use the application with ID '${clientId}' named '${appName}'. Send an interactive authorization request for this user and resource.`,
  }),
  mfaRequired: (resource: string): EntraError => ({
    status: 400,
    error: 'invalid_grant',
    code: 50076,
    suberror: 'basic_action',
    message: `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${resource}'.`,
  }),
  conditionalAccessBlocked: (): EntraError => ({
    status: 400,
    error: 'invalid_grant',
    code: 53003,
    suberror: 'message_only',
    message: 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
  }),
  invalidRedirectUri: (redirectUri: string, clientId: string): EntraError => ({
    status: 400,
    error: 'invalid_request',
    code: 50011,
    message: `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`,
  }),
  redirectUriMismatch: (): EntraError => ({
    status: 400,
    error: 'invalid_grant',
    code: 500112,
    message: 'The reply address does not match the reply address provided when requesting Authorization code.',
  }),
  pkceRequired: (): EntraError => ({
    status: 400,
    error: 'invalid_request',
    code: 9002325,
    message: 'Proof Key for Code Exchange is required for cross-origin authorization code redemption.',
  }),
  pkceMethodUnsupported: (method: string): EntraError => ({
    status: 400,
    error: 'invalid_request',
    code: 501491,
    message: `Invalid size of Code_Challenge parameter or unsupported code_challenge_method '${method}': this provider accepts S256 only.`,
  }),
  stateRequired: (): EntraError => ({
    status: 400,
    error: 'invalid_request',
    code: 900144,
    message:
      "The request body must contain the following parameter: 'state'. (This test provider requires it of every authorization request.)",
  }),
  pkceMismatch: (): EntraError => ({
    status: 400,
    error: 'invalid_grant',
    code: 501481,
    message: 'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
  }),
  unsupportedResponseType: (type: string): EntraError => ({
    status: 400,
    error: 'unsupported_response_type',
    code: 700054,
    message: `response_type '${type}' is not enabled for the application.`,
  }),
  unsupportedResponseMode: (mode: string): EntraError => ({
    status: 400,
    error: 'invalid_request',
    code: 900144,
    message: `response_mode '${mode}' is not supported for this request; use query or form_post.`,
  }),
  codeRedeemed: (): EntraError => ({
    status: 400,
    error: 'invalid_grant',
    code: 54005,
    message:
      'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
  }),
  codeExpired: (): EntraError => ({
    status: 400,
    error: 'invalid_grant',
    code: 70008,
    message:
      'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
  }),
  invalidGrant: (what: string): EntraError => ({
    status: 400,
    error: 'invalid_grant',
    code: 70000,
    message: `Provided grant is invalid or malformed. The provided value for '${what}' is not valid.`,
  }),
  refreshTokenExpired: (issuedAt: Date): EntraError => ({
    status: 400,
    error: 'invalid_grant',
    code: 700082,
    message: `The refresh token has expired due to inactivity. The token was issued on ${issuedAt.toISOString()} and was inactive for 90.00:00:00.`,
  }),
  /** The app is confidential (no "Allow public client flows") and presented no credential on a public grant. */
  publicClientNotAllowed: (): EntraError => ({
    status: 401,
    error: 'invalid_client',
    code: 7000218,
    message: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  }),
  authorizationPending: (): EntraError => ({
    status: 400,
    error: 'authorization_pending',
    code: 70016,
    message: 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.',
  }),
  /** Entra itself never sends it; RFC 8628 §3.5 says clients must then add 5 s to their polling interval. */
  slowDown: (): EntraError => ({
    status: 400,
    error: 'slow_down',
    code: 70016,
    message: 'OAuth 2.0 device flow error. Polling too often; slow down and add 5 seconds to the interval.',
  }),
  deviceCodeExpired: (): EntraError => ({
    status: 400,
    error: 'expired_token',
    code: 70020,
    message: "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
  }),
  deviceCodeDenied: (): EntraError => ({
    status: 400,
    error: 'access_denied',
    code: 65004,
    message: 'User declined to consent to access the app.',
  }),
} as const
