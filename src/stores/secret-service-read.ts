import {isUtf8} from 'node:buffer'
import {decodeBody, type Message} from './dbus-wire.js'
import {HELLO, SessionBus, sessionBusAddresses} from './session-bus.js'

/**
 * A read-only Secret Service lookup in plain JS, for the keyring store's hot path: a cached get-token reads one
 * secret, and @napi-rs/keyring spends ~6.5 ms on it here (loading its binding, starting its threads, a 1024-bit
 * Diffie-Hellman with the service to open an encrypted session, then the read) where this takes ~5.5 ms. Not
 * for less CPU (cold JavaScript costs about what the native code does) but for fewer round trips and no wait on
 * the service's side of the Diffie-Hellman.
 *
 * It answers only when it is certain to agree with @napi-rs/keyring's getPassword, which (through
 * dbus-secret-service-keyring-store) searches every collection for items whose attributes include
 * {service, username}, unlocks (and so may prompt for) any locked match, calls more than one match Ambiguous, and
 * decodes the secret as UTF-8. So: exactly one match, unlocked, and no locked one; its secret strict UTF-8.
 * Anything else — no session bus, a refused connection, any error reply, no match, several, a locked one, a
 * malformed reply, the time limit — is `undefined`, "not sure", and the caller asks @napi-rs/keyring, whose
 * answers, prompts and errors stay exactly what they were.
 *
 * The session uses the `plain` algorithm: the secret crosses our own Unix socket unencrypted (see the README's
 * keyring section). The Secret Service spec meant its transport encryption to keep secrets out of the bus
 * daemon's swappable memory, not to stop anyone: whoever can read our socket's traffic can just as well ask the
 * service for the secret itself. The secret is never logged or put in an error.
 */

const SECRETS = 'org.freedesktop.secrets'
const SERVICE_PATH = '/org/freedesktop/secrets'
const SERVICE = 'org.freedesktop.Secret.Service'

/** Long enough for a loaded machine, short enough that a hung service costs a bounded delay before the fallback. */
export const DEFAULT_TIMEOUT_MS = 2000

export interface ReadOptions {
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
}

/** The reply's values, when its signature is the one the Secret Service API gives that method. */
function bodyOf(message: Message, signature: string): unknown[] {
  if (message.signature !== signature) throw new Error(`unexpected reply signature '${message.signature}'`)
  return decodeBody(message)
}

/**
 * The password of the one item whose attributes include these, when it can be read without a prompt and without
 * doubt; undefined otherwise (never a rejection).
 */
export async function readSecretServicePassword(
  attributes: Record<string, string>,
  {env = process.env, timeoutMs = DEFAULT_TIMEOUT_MS}: ReadOptions = {},
): Promise<string | undefined> {
  const addresses = sessionBusAddresses(env)
  if (addresses.length === 0) return undefined
  const bus = new SessionBus(addresses)
  // Ends everything still pending (connecting, authenticating, a call) when the service is too slow.
  const timer = setTimeout(() => bus.close('the Secret Service did not answer in time'), timeoutMs)
  try {
    // One write, with AUTH and BEGIN (session-bus.ts): Hello (the bus wants it first), a plain session, and the
    // search, which needs no session. Their replies come back together.
    const [, session, search] = bus.call([
      HELLO,
      {
        body: ['plain', {signature: 's', value: ''}],
        destination: SECRETS,
        interface: SERVICE,
        member: 'OpenSession',
        path: SERVICE_PATH,
        signature: 'sv',
      },
      {
        body: [Object.entries(attributes)],
        destination: SECRETS,
        interface: SERVICE,
        member: 'SearchItems',
        path: SERVICE_PATH,
        signature: 'a{ss}',
      },
    ])
    const [unlocked, locked] = bodyOf(await search, 'aoao') as [string[], string[]]
    if (unlocked.length !== 1 || locked.length > 0) return undefined
    const sessionPath = bodyOf(await session, 'vo')[1] as string
    if (sessionPath === '/') return undefined // "/" means the service wants more negotiation: not plain
    const [reply] = bus.call([
      {
        body: [sessionPath],
        destination: SECRETS,
        interface: 'org.freedesktop.Secret.Item',
        member: 'GetSecret',
        path: unlocked[0],
        signature: 'o',
      },
    ])
    const [secret] = bodyOf(await reply, '(oayays)') as [[string, Uint8Array, Uint8Array, string]]
    const [from, parameters, value] = secret
    try {
      // plain has no parameters; anything else is a session we did not ask for.
      if (from !== sessionPath || parameters.length > 0) return undefined
      // What getPassword does with the bytes: Rust's String::from_utf8, which refuses invalid UTF-8 (isUtf8 is
      // as strict: no surrogates, no overlong forms) and keeps a leading BOM (as toString does).
      const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength)
      return isUtf8(bytes) ? bytes.toString('utf8') : undefined
    } finally {
      value.fill(0)
    }
  } catch {
    return undefined
  } finally {
    clearTimeout(timer)
    // Closing the connection closes the session too (the spec: a session is bound to its client's connection),
    // so no Session.Close is sent: it would only add a write, and a plain session holds no key to forget.
    bus.close()
  }
}
