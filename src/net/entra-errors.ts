import {AuthError, CliError, NetworkError, oneLine, pluginCliError, type ErrorDetail} from '../base/errors.js'
import {scrubTokens} from '../base/redact.js'
import {printable} from '../base/text.js'
import {BIN} from '../base/product.js'

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
  65001:
    'The application needs consent for these scopes; ask an administrator to grant admin consent, or consent when signing in.',
  70000: 'The grant was rejected (revoked, used twice, or issued to another app); sign in again with --force.',
  70008: 'The authorization code or refresh token has expired or been revoked; sign in again with --force.',
  70011:
    "The scope is invalid; for ClientCredentials use the resource's '/.default' scope, e.g. https://graph.microsoft.com/.default.",
  70016: 'Authorization is still pending; finish the sign-in in the browser.',
  90002: "The tenant was not found; check the profile's tenant id or domain and its cloud/authority.",
  90014: 'A required field is missing from the request; check the profile (tenant, client id, scope).',
  500011:
    'The resource named in the scope is not registered in this tenant; check the scope URI and that the API is consented.',
  700016:
    'The application (client id) was not found in this tenant; check --client-id and --tenant-id, and that the app is registered in or consented to by that tenant.',
  70021:
    'No federated credential of the app matches the token in AZURE_FEDERATED_TOKEN_FILE; add one for its issuer, subject and audience (api://AzureADTokenExchange) under Certificates & secrets > Federated credentials.',
  90061:
    "The identity provider could not read the federated token issuer's OpenID metadata; the issuer URL of the federated credential must be public and serve /.well-known/openid-configuration.",
  700024:
    "The client assertion is expired or not yet valid: for WorkloadIdentity, the token in AZURE_FEDERATED_TOKEN_FILE is stale and whoever writes it must renew it; otherwise check this machine's clock.",
  700027:
    "The certificate assertion was rejected; upload this profile's certificate to the app registration (Certificates & secrets) or check the thumbprint.",
  700211:
    "No federated credential of the app trusts the issuer of the token in AZURE_FEDERATED_TOKEN_FILE; add one with that issuer (the cluster's OIDC issuer URL) to the app registration.",
  700212:
    'No federated credential of the app matches the audience of the token in AZURE_FEDERATED_TOKEN_FILE; the token must be issued for api://AzureADTokenExchange.',
  700082: `The refresh token has expired after inactivity; sign in again: ${BIN} get-token -p <profile> -f InteractiveBrowser --force.`,
  7000112: 'The application is disabled; ask an administrator to enable it.',
  7000215: `Invalid client secret: it is wrong or expired, or it is the secret's ID instead of its value. Store the new value with: ${BIN} config edit -p <profile> --client-secret-stdin.`,
  7000216: `The app is a confidential client and needs a secret or a certificate; set the profile's auth method and credential with ${BIN} config edit.`,
  7000218:
    'The app requires a client secret or certificate for this flow; use ClientCredentials, or enable "Allow public client flows" on the app registration.',
  7000222: `The client secret has expired; create a new one in the app registration and store it with: ${BIN} config edit -p <profile> --client-secret-stdin.`,
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
  trace_id?: string
  correlation_id?: string
  timestamp?: string
}

/** What Entra told us about a refusal: the advice comes from the code, the rest is shown as the server said it. */
export interface EntraRefusal {
  code?: number
  oauthError?: string
  description?: string
  traceId?: string
  correlationId?: string
  timestamp?: string
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
  const description = body.error_description
  return refusalError(
    {
      code: body.error_codes?.[0] ?? aadstsCode(description),
      correlationId: body.correlation_id ?? idFromText(description, 'Correlation ID'),
      description,
      oauthError: body.error,
      timestamp: body.timestamp ?? timestampFromText(description),
      traceId: body.trace_id ?? idFromText(description, 'Trace ID'),
    },
    profile,
  )
}

/**
 * The refusal as one line of advice (the first line people read, and what scripts match on), with what the server
 * said and the three IDs Microsoft support asks for (Trace ID, Correlation ID, Timestamp) attached as details.
 */
export function refusalError(refusal: EntraRefusal, profile?: string): CliError {
  const {code, oauthError} = refusal
  const advice =
    adviceForCode(code, profile) ??
    (oauthError && OAUTH_ADVICE[oauthError]) ??
    'The identity provider refused the request.'
  const tag = code ? `AADSTS${code}` : (oauthError ?? 'error')
  const error = new AuthError(
    `Authentication failed (${tag}): ${advice}`,
    code ? `AADSTS${code}` : (oauthError ?? 'AUTH_REFUSED'),
  )
  const said = refusal.description ? serverReason(refusal.description) : ''
  const details: ErrorDetail[] = []
  if (oauthError) details.push({field: 'oauthError', value: serverText(oauthError, 60)})
  if (said) details.push({field: 'serverMessage', label: 'Server said', value: said})
  if (refusal.traceId) details.push({field: 'traceId', label: 'Trace ID', value: serverText(refusal.traceId, 60)})
  if (refusal.correlationId)
    details.push({field: 'correlationId', label: 'Correlation ID', value: serverText(refusal.correlationId, 60)})
  if (refusal.timestamp)
    details.push({field: 'timestamp', label: 'Timestamp', value: serverText(refusal.timestamp, 40)})
  return error.withDetails(details)
}

/**
 * The first sentence of an error_description, without its AADSTS prefix and the IDs Entra appends, plus the
 * bracketed reason Entra sometimes puts right after it ("[Reason - The key was not found., Thumbprint of key used
 * by client: '…']"): that is where it names the rejected thumbprint or the missing field.
 */
export function serverReason(description: string): string {
  const text = oneLine(description.split(/\s*Trace ID:/)[0]).replace(/^AADSTS\d+:\s*/, '')
  let depth = 0
  let end = text.length
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (ch === '[' || ch === '(') depth++
    else if ((ch === ']' || ch === ')') && depth > 0) depth--
    else if (ch === '.' && depth === 0 && (i + 1 === text.length || text[i + 1] === ' ')) {
      end = i + 1
      break
    }
  }
  let said = text.slice(0, end)
  let rest = text.slice(end).trimStart()
  if (rest.startsWith('[')) {
    const bracket = rest.slice(0, closingBracket(rest) + 1)
    said += ` ${bracket}`
    rest = rest.slice(bracket.length).trimStart()
  }
  // "Assertion Issuer: '…'. Assertion Subject: '…'.": the specifics some messages list after the first sentence.
  for (let fact = QUOTED_FACT.exec(rest); fact; fact = QUOTED_FACT.exec(rest)) {
    said += ` ${fact[0]}`
    rest = rest.slice(fact[0].length).trimStart()
  }
  return serverText(said, 400)
}

const QUOTED_FACT = /^[A-Z][\w ]{0,40}: '[^']*'\./

function closingBracket(text: string): number {
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '[') depth++
    else if (text[i] === ']' && --depth === 0) return i
  }
  return text.length - 1
}

/** Text a server chose, made safe for one terminal line: no control characters, no token, bounded length. */
function serverText(text: string, max: number): string {
  return printable(scrubTokens(oneLine(text)), max)
}

function idFromText(text: string | undefined, label: 'Correlation ID' | 'Trace ID'): string | undefined {
  return new RegExp(`${label}:\\s*([0-9a-fA-F-]{8,})`).exec(text ?? '')?.[1]
}

function timestampFromText(text: string | undefined): string | undefined {
  return /Timestamp:\s*(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)/.exec(text ?? '')?.[1]
}

const MSAL_NOT_AVAILABLE = 'Not Available'

interface MsalLikeError {
  errorCode?: string
  errorMessage?: string
  subError?: string
  correlationId?: string
  message?: string
  name?: string
}

/**
 * msal-node folds Entra's error JSON into one string: "Error(s): 7000215 - Timestamp: … - Description: AADSTS…
 * Trace ID: … - Correlation ID: … - Trace ID: …". Take the pieces back out.
 */
function refusalFromMsal(err: MsalLikeError, msalText: string): EntraRefusal {
  // msal writes "Not Available" for every field the server left out: noise, not something the server said.
  const text = msalText.replaceAll(MSAL_NOT_AVAILABLE, 'N/A')
  const description = / - Description: ([\s\S]*?) - Correlation ID: /.exec(text)?.[1] ?? text
  const field = (label: string) => new RegExp(` - ${label}: ([^\\s]+)`).exec(text)?.[1]
  const known = (value: string | undefined) => (value && value !== 'N/A' ? value : undefined)
  return {
    code: aadstsCode(text),
    correlationId:
      known(field('Correlation ID')) ?? idFromText(description, 'Correlation ID') ?? known(err.correlationId),
    description: known(description),
    oauthError: err.errorCode || undefined,
    timestamp: timestampFromText(text),
    traceId: known(field('Trace ID')) ?? idFromText(description, 'Trace ID'),
  }
}

/**
 * Maps whatever msal-node (or a flow) threw to a CliError with advice. A network failure recorded by our
 * HttpClient wins over msal's generic wrapper around it.
 */
export function toCliError(error: unknown, options: {profile?: string; networkFailure?: NetworkError} = {}): CliError {
  if (error instanceof CliError) return error
  // A plugin flow that says what kind of failure it was is taken at its word.
  const declared = pluginCliError(error)
  if (declared) return declared
  if (options.networkFailure) return options.networkFailure
  const err = (error ?? {}) as MsalLikeError
  const text = `${err.errorMessage ?? ''} ${err.message ?? ''}`
  const code = aadstsCode(text)
  if (code !== undefined || err.name === 'ServerError' || (err.errorCode && OAUTH_ADVICE[err.errorCode])) {
    return refusalError(refusalFromMsal(err, text), options.profile)
  }
  return new CliError(serverText(err.message ?? String(error), 1000))
}
