import {AuthError, CliError, NetworkError, oneLine} from '../base/errors.js'
import {scrubTokens} from '../base/redact.js'

/**
 * Entra answers a refused request with an AADSTS code buried in a long description. People need one sentence
 * saying what to do; these texts follow Microsoft's own troubleshooting guidance.
 */
const ADVICE: Record<number, string> = {
  50034: 'The user account does not exist in this tenant; check the user name or sign in with another account.',
  50053: 'The account is locked after too many failed sign-ins; wait and try again, or ask an administrator.',
  50055: 'The password has expired; change it in a browser, then sign in again.',
  50076: 'Multi-factor authentication is required; use an interactive flow: -f InteractiveBrowser or -f DeviceCode.',
  50079: 'Multi-factor authentication registration is required; sign in once in a browser to set it up.',
  50126: 'Invalid user name or password; check the credentials and sign in again.',
  53003: 'Blocked by a Conditional Access policy; device code sign-in is often blocked, so try -f InteractiveBrowser.',
  65001: 'The application needs consent for these scopes; ask an administrator to grant admin consent, or consent when signing in.',
  70000: 'The grant was rejected (revoked, used twice, or issued to another app); sign in again with --force.',
  70008: 'The authorization code or refresh token has expired or been revoked; sign in again with --force.',
  70011: "The scope is invalid; for ClientCredentials use the resource's '/.default' scope, e.g. https://graph.microsoft.com/.default.",
  70016: 'Authorization is still pending; finish the sign-in in the browser.',
  90002: "The tenant was not found; check the profile's tenant id or domain and its cloud/authority.",
  90014: 'A required field is missing from the request; check the profile (tenant, client id, scope).',
  500011: 'The resource named in the scope is not registered in this tenant; check the scope URI and that the API is consented.',
  700016: 'The application (client id) was not found in this tenant; check --client-id and --tenant-id, and that the app is registered in or consented to by that tenant.',
  700024: 'The client assertion is expired or not yet valid; check this machine\'s clock.',
  700027: "The certificate assertion was rejected; upload this profile's certificate to the app registration (Certificates & secrets) or check the thumbprint.",
  700082: "The refresh token has expired after inactivity; sign in again: entra-auth-cli get-token -p <profile> -f InteractiveBrowser --force.",
  7000112: 'The application is disabled; ask an administrator to enable it.',
  7000215: "Invalid client secret: it is wrong or expired, or it is the secret's ID instead of its value. Store the new value with: entra-auth-cli config edit -p <profile> --client-secret-stdin.",
  7000216: "The app is a confidential client and needs a secret or a certificate; set the profile's auth method and credential with entra-auth-cli config edit.",
  7000218: 'The app requires a client secret or certificate for this flow; use ClientCredentials, or enable "Allow public client flows" on the app registration.',
  7000222: "The client secret has expired; create a new one in the app registration and store it with: entra-auth-cli config edit -p <profile> --client-secret-stdin.",
  900144: 'The request is missing a required parameter; check the profile.',
}

const OAUTH_ADVICE: Record<string, string> = {
  access_denied: 'Sign-in was denied or cancelled.',
  authorization_declined: 'Sign-in was declined.',
  expired_token: 'The device code expired before sign-in finished; run the command again and sign in sooner.',
  invalid_client: 'The client credentials were rejected; check the secret or certificate.',
  invalid_grant: 'The grant was rejected or has expired; sign in again with --force.',
  invalid_scope: 'The scope is invalid.',
  unauthorized_client: 'The application is not allowed to use this flow or was not found.',
}

export interface EntraErrorShape {
  error?: string
  error_description?: string
  error_codes?: number[]
}

export function aadstsCode(text: string | undefined): number | undefined {
  const match = /AADSTS(\d+)/.exec(text ?? '')
  return match ? Number(match[1]) : undefined
}

export function adviceForCode(code: number | undefined, profile?: string): string | undefined {
  if (code === undefined || !ADVICE[code]) return undefined
  return ADVICE[code].replaceAll('<profile>', profile ?? '<profile>')
}

export function adviceForEntraError(body: EntraErrorShape | undefined, profile?: string): CliError | undefined {
  if (!body?.error) return undefined
  const code = body.error_codes?.[0] ?? aadstsCode(body.error_description)
  return entraError(code, body.error, body.error_description, profile)
}

function entraError(code: number | undefined, oauthError: string | undefined, description: string | undefined, profile?: string): CliError {
  const advice = adviceForCode(code, profile) ?? (oauthError && OAUTH_ADVICE[oauthError]) ?? 'The identity provider refused the request.'
  const tag = code ? `AADSTS${code}` : oauthError ?? 'error'
  const detail = code && !adviceForCode(code) && description ? ` ${firstSentence(description)}` : ''
  return new AuthError(`Authentication failed (${tag}): ${advice}${detail}`, code ? `AADSTS${code}` : (oauthError ?? 'AUTH_REFUSED'))
}

function firstSentence(description: string): string {
  return scrubTokens(oneLine(description.replace(/^AADSTS\d+:\s*/, '').split(/\r?\n/)[0])).slice(0, 200)
}

interface MsalLikeError {
  errorCode?: string
  errorMessage?: string
  subError?: string
  message?: string
  name?: string
}

/**
 * Maps whatever msal-node (or a flow) threw to a CliError with advice. A network failure recorded by our
 * HttpClient wins over msal's generic wrapper around it.
 */
export function toCliError(error: unknown, options: {profile?: string; networkFailure?: NetworkError} = {}): CliError {
  if (error instanceof CliError) return error
  if (options.networkFailure) return options.networkFailure
  const err = (error ?? {}) as MsalLikeError
  const text = `${err.errorMessage ?? ''} ${err.message ?? ''}`
  const code = aadstsCode(text)
  if (code !== undefined || err.name === 'ServerError') return entraError(code, err.errorCode, text, options.profile)
  if (err.errorCode && OAUTH_ADVICE[err.errorCode]) return entraError(undefined, err.errorCode, text, options.profile)
  return new CliError(scrubTokens(oneLine(err.message ?? String(error))))
}
