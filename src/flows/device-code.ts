import type {DeviceCodeRequest, INetworkModule, NetworkRequestOptions, NetworkResponse} from '@azure/msal-node'
import {sleep} from '../base/abort.js'
import {adviceForEntraError, type EntraErrorShape} from '../net/entra-errors.js'
import {AuthError, CliError} from '../base/errors.js'
import type {Flow, FlowContext, TokenResult} from '../contract/index.js'
import {createPublicApp, refreshWithApp, seconds, trySilent, untilAborted} from './delegated.js'
import {tokenResult} from './msal-options.js'

/**
 * OAuth 2.0 device authorization grant (RFC 8628) for terminals without a browser: print a URL and a code, let the
 * user sign in on any other device, poll until they have.
 *
 * msal-node 7 does the device code request and the polling, and caches the result exactly as its other flows do
 * (so `get-token` serves it from the cache and refreshes it silently later). Two of its gaps are closed by
 * {@link Rfc8628Polling}, a network client wrapped around ours for this flow only: msal stops with an error on
 * `slow_down`, and polls in a busy loop when the response has no `interval`. Wrapping the transport keeps msal's
 * cache handling untouched, where polling ourselves would mean writing msal's cache entries by hand.
 */
export class DeviceCodeFlow implements Flow {
  async acquireToken(context: FlowContext): Promise<TokenResult> {
    const silent = await trySilent(await createPublicApp(context), context)
    return silent ?? deviceCodeSignIn(context)
  }

  async refresh(context: FlowContext): Promise<TokenResult> {
    return refreshWithApp(await createPublicApp(context), context, 'DeviceCode')
  }
}

type DeviceCodeResponse = Parameters<DeviceCodeRequest['deviceCodeCallback']>[0]

/** RFC 8628 §3.2: "If no value is provided, clients MUST use 5 as the default." */
const DEFAULT_INTERVAL_S = 5
/** RFC 8628 §3.5: on slow_down, "the interval MUST be increased by 5 seconds for this and all subsequent requests". */
const SLOW_DOWN_STEP_MS = 5000

const DEVICE_GRANTS = new Set(['device_code', 'urn:ietf:params:oauth:grant-type:device_code'])

/**
 * The network client msal uses for a device code sign-in:
 * - the device authorization response gets `interval: 5` when it has none (msal would poll without pause);
 * - a `slow_down` answer to a poll never reaches msal: we wait the increased interval and poll again, and every later
 *   poll waits the extra seconds on top of msal's own interval wait;
 * - the final error body of a poll is kept, because msal reduces it to the bare `error` word and loses the AADSTS
 *   code that carries the advice (AADSTS53003, AADSTS50126, ...).
 */
export class Rfc8628Polling implements INetworkModule {
  lastError: EntraErrorShape | undefined
  private intervalMs = DEFAULT_INTERVAL_S * 1000
  private extraMs = 0

  constructor(
    private readonly inner: INetworkModule,
    private readonly signal: AbortSignal,
  ) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.inner.sendGetRequestAsync<T>(url, options, timeout)
  }

  async sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    const form = new URLSearchParams(typeof options?.body === 'string' ? options.body : '')
    if (form.has('device_code') && DEVICE_GRANTS.has(form.get('grant_type') ?? '')) return this.poll<T>(url, options)
    const response = await this.inner.sendPostRequestAsync<T>(url, options)
    if (new URL(url).pathname.endsWith('/devicecode') && response.status === 200) {
      const body = response.body as {interval?: unknown}
      const interval = Number(body.interval)
      if (!(interval > 0)) body.interval = DEFAULT_INTERVAL_S
      this.intervalMs = (interval > 0 ? interval : DEFAULT_INTERVAL_S) * 1000
    }
    return response
  }

  private async poll<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    if (this.extraMs > 0) await sleep(this.extraMs, this.signal)
    for (;;) {
      const response = await this.inner.sendPostRequestAsync<T>(url, options)
      const body = response.body as EntraErrorShape | undefined
      if (body?.error === 'slow_down') {
        this.extraMs += SLOW_DOWN_STEP_MS
        await sleep(this.intervalMs + this.extraMs, this.signal)
        continue
      }
      if (body?.error && body.error !== 'authorization_pending') this.lastError = body
      return response
    }
  }
}

/**
 * How long DeviceCode waits when the user gives no --timeout: as long as Entra's device codes live. The same as
 * `defaultTimeoutSeconds` in its registration (src/hooks/flow-device-code.ts, which must stay cheap to import).
 */
export const DEVICE_CODE_WAIT_MS = 900_000

/** "about 15 minutes", "about 40 seconds": what a person needs to know to hurry or not. */
function about(ms: number): string {
  if (ms >= 90_000) return `about ${Math.round(ms / 60_000)} minutes`
  const s = Math.max(1, Math.round(ms / 1000))
  return `about ${s} second${s === 1 ? '' : 's'}`
}

/**
 * The device code sign-in itself; InteractiveBrowser falls back to it when no browser can be opened. `waitMs`: how
 * long it waits, for the timeout message (default the run's timeout).
 */
export async function deviceCodeSignIn(context: FlowContext, waitMs = context.options.timeoutMs): Promise<TokenResult> {
  const {profile, reporter, signal} = context
  const polling = new Rfc8628Polling((await context.msal()).networkClient, signal)
  const app = await createPublicApp(context, polling)
  let expiresInMs = Number.POSITIVE_INFINITY
  const request: DeviceCodeRequest = {
    cancel: false,
    deviceCodeCallback: (response: DeviceCodeResponse) => {
      expiresInMs = response.expiresIn * 1000
      reporter.notice('Device Code Authentication')
      reporter.notice(`  1. Open ${response.verificationUri} in a browser on any device`)
      reporter.notice(`  2. Enter the code: ${response.userCode}`)
      // Whichever ends first: the code's life or the time this run has left.
      reporter.notice(`  (within ${about(Math.min(expiresInMs, context.timeLeft()))})`)
      reporter.status('Waiting for authentication...')
    },
    scopes: context.scopes,
  }
  const timeoutMessage = `Device code sign-in was not completed within ${seconds(waitMs)}; run the command again and sign in sooner, or raise --timeout.`
  try {
    const result = await untilAborted(app.acquireTokenByDeviceCode(request), signal, timeoutMessage, () => {
      // msal checks this flag before each poll; the wrapped network client stops its own waits on the signal.
      request.cancel = true
    })
    if (!result) throw new CliError('The identity provider returned no token.')
    reporter.status('✓ Authentication successful')
    return tokenResult(result)
  } catch (error) {
    if (error instanceof CliError) throw error
    // msal reports a refused poll as a bare error word; the body we kept has the AADSTS code and its advice.
    const refused = adviceForEntraError(polling.lastError, profile.name)
    if (refused) throw refused
    const code = (error as {errorCode?: string}).errorCode
    if (code === 'device_code_expired') {
      throw new AuthError(
        'Authentication failed (expired_token): The device code expired before sign-in finished; run the command again and sign in sooner.',
        'expired_token',
      )
    }
    throw error
  }
}
