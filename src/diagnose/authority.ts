import {CliError} from '../base/errors.js'
import {adviceForEntraError, type EntraErrorShape} from '../net/entra-errors.js'
import {HttpClient} from '../net/http-client.js'
import {fail, ok, warn, type Finding} from './finding.js'
import {hideCredentials, proxyFor} from './proxy.js'
import {presentedChain} from './tls-chain.js'

const TIMEOUT_MS = 10_000
/** Entra accepts client assertions up to 5 minutes off; beyond a minute, tokens already look odd to other checks. */
const SKEW_FAIL_SECONDS = 300
const SKEW_WARN_SECONDS = 60

/**
 * Whether the authority's OpenID metadata answers through the proxy in effect and over a TLS chain this process
 * trusts, and how far this machine's clock is from the server's (its Date header).
 */
export async function checkAuthority(authority: string, env: NodeJS.ProcessEnv = process.env): Promise<Finding[]> {
  const url = `${authority}/v2.0/.well-known/openid-configuration`
  const target = new URL(url)
  const proxy = proxyFor(target, env)
  const via = proxy ? ` through the proxy ${hideCredentials(proxy.origin)}` : ''
  const sentAt = Date.now()
  let response
  try {
    response = await new HttpClient({attempts: 1, maxRetryAfterMs: 0, timeoutMs: TIMEOUT_MS}).getJson<
      EntraErrorShape & {token_endpoint?: string}
    >(url)
  } catch (error) {
    if (!(error instanceof CliError)) throw error
    return [await networkFinding(error, target, proxy, via)]
  }
  const receivedAt = Date.now()
  const findings: Finding[] = []
  if (response.status === 200 && typeof response.body.token_endpoint === 'string') {
    findings.push(ok('authority', `${authority} answers its OpenID metadata${via}; the TLS chain validates.`))
  } else {
    const refusal = adviceForEntraError(response.body)
    findings.push(
      fail(
        'authority',
        `${authority} answered HTTP ${response.status} instead of its OpenID metadata${via}${refusal ? `: ${refusal.message}` : ''}.`,
        "Check the profile's authority and tenant (config show), and that a proxy is not answering in the server's place.",
      ),
    )
  }
  findings.push(clockFinding(response.headers.date, sentAt, receivedAt, target.host))
  return findings
}

async function networkFinding(error: CliError, target: URL, proxy: URL | undefined, via: string): Promise<Finding> {
  const host = target.host
  if (error.code.startsWith('PROXY'))
    return fail(
      'proxy',
      `${error.message}`,
      `Fix HTTPS_PROXY (credentials, address), or add ${target.hostname} to NO_PROXY if it should be reached directly.`,
    )
  if (error.code === 'TLS') {
    let anchor: string | undefined
    try {
      anchor = (await presentedChain(target, proxy, TIMEOUT_MS)).anchor
    } catch {
      anchor = undefined
    }
    const extra = process.env.NODE_EXTRA_CA_CERTS
    const named = anchor ? ` Its chain ends at '${anchor}', which this machine does not trust.` : ''
    return fail(
      'TLS',
      `The TLS certificate of ${host}${via} does not validate.${named}`,
      `If '${anchor ?? 'that CA'}' is your company's (a TLS-inspecting proxy) or a private root CA, save it as PEM and set NODE_EXTRA_CA_CERTS=/path/to/ca.pem${extra ? ` (now ${extra}, which does not hold it)` : ' (not set now)'}.`,
    )
  }
  return fail(
    'authority',
    `${host} cannot be reached${via}: ${error.message}`,
    proxy ? 'Check the proxy (HTTPS_PROXY) and NO_PROXY.' : 'Check the network, firewall and the authority URL.',
  )
}

/** The clock finding from a response's Date header and when the request was sent and its answer received (epoch ms). */
export function clockFinding(date: string | undefined, sentAt: number, receivedAt: number, host: string): Finding {
  const server = date ? Date.parse(date) : Number.NaN
  if (Number.isNaN(server)) return warn('clock', `${host} sent no Date header; the clock could not be compared.`)
  // The Date header has whole seconds and was stamped between sending and receiving.
  const local = (sentAt + receivedAt) / 2
  const skew = Math.round((local - server) / 1000)
  const text = `This machine's clock is ${Math.abs(skew)} s ${skew >= 0 ? 'ahead of' : 'behind'} ${host}.`
  const fix = 'Synchronise the clock (timedatectl set-ntp true, or your OS time settings).'
  if (Math.abs(skew) > SKEW_FAIL_SECONDS)
    return fail(
      'clock',
      `${text} Entra refuses assertions and tokens look expired or not yet valid beyond 5 minutes.`,
      fix,
    )
  if (Math.abs(skew) > SKEW_WARN_SECONDS) return warn('clock', text, fix)
  return ok('clock', `This machine's clock agrees with ${host} (within ${Math.max(1, Math.abs(skew))} s).`)
}
