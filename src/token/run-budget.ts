import type {INetworkModule, NetworkRequestOptions, NetworkResponse} from '@azure/msal-node'
import {deadline, type Deadline} from '../base/abort.js'
import type {NetworkError} from '../base/errors.js'
import {HttpClient} from '../net/http-client.js'

/** The furthest a flow may move a run's deadline, counted from when it asks: a device code lives 15 minutes. */
export const MAX_EXTENSION_MS = 15 * 60_000

/**
 * How long one acquisition may take, and the signal that ends it (that deadline, or Ctrl-C): --timeout, else the
 * flow's default. A flow that turns to a slower way of signing in (InteractiveBrowser falling back to a device
 * code) may move a default deadline later; a --timeout the user gave is never moved.
 */
export class RunBudget {
  readonly signal: AbortSignal
  readonly startedAt = Date.now()
  /** msal's network module and the metadata fetch: an HttpClient bounded by the current deadline. */
  readonly network: RunNetwork
  private readonly timer: Deadline
  private until: number

  /**
   * `extendable`: the flow may wait for a person (delegated flows); an app-only flow (ClientCredentials) never
   * moves its deadline, so its cache lock is declared abandoned soon after its own timeout (a lock left in a home
   * shared with another host or container, where no pid can be checked, does not block for 15 more minutes).
   */
  constructor(
    readonly timeoutMs: number,
    private readonly fromUser: boolean,
    interrupt?: AbortSignal,
    private readonly extendable = true,
  ) {
    this.timer = deadline(timeoutMs, [interrupt])
    this.signal = this.timer.signal
    this.until = this.startedAt + timeoutMs
    this.network = new RunNetwork(this.signal, () => this.until)
  }

  /** How long the run may take in all, as things stand. */
  get totalMs(): number {
    return this.until - this.startedAt
  }

  /** The longest the run could take if its deadline is extended: how long it may hold the cache lock. */
  get longestMs(): number {
    return this.timeoutMs + (this.fromUser || !this.extendable ? 0 : MAX_EXTENSION_MS)
  }

  left(): number {
    return Math.max(0, this.until - Date.now())
  }

  /** Moves a default deadline to `ms` from now (at most MAX_EXTENSION_MS; never earlier). Returns the time left. */
  extend(ms: number): number {
    const until = Date.now() + Math.min(ms, MAX_EXTENSION_MS)
    if (!this.fromUser && this.extendable && !this.signal.aborted && until > this.until) {
      this.until = until
      this.timer.reset(until - Date.now())
    }
    return this.left()
  }
}

/**
 * The run's HTTP client behind one stable object (msal keeps the network module it was configured with): a fresh
 * HttpClient whenever the deadline has moved, because an HttpClient's deadline (how long a Retry-After may be
 * waited for) is fixed when it is made.
 */
export class RunNetwork implements INetworkModule {
  private client: HttpClient | undefined
  private clientUntil = 0
  private earlierFailure: NetworkError | undefined

  constructor(
    private readonly signal: AbortSignal,
    private readonly until: () => number,
  ) {}

  /** The last network failure, for explaining an error. */
  get lastFailure(): NetworkError | undefined {
    return this.client?.lastFailure ?? this.earlierFailure
  }

  getJson<T>(url: string): Promise<NetworkResponse<T>> {
    return this.current().getJson<T>(url)
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.current().sendGetRequestAsync<T>(url, options, timeout)
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.current().sendPostRequestAsync<T>(url, options)
  }

  private current(): HttpClient {
    const until = this.until()
    if (!this.client || this.clientUntil !== until) {
      this.earlierFailure = this.client?.lastFailure ?? this.earlierFailure
      this.client = new HttpClient({deadline: until, signal: this.signal})
      this.clientUntil = until
    }
    return this.client
  }
}
