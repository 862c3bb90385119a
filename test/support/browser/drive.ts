/**
 * The $BROWSER the e2e tests give the CLI: `browser URL`. What it does is set by the test through the environment
 * the CLI passes on:
 *
 *   ENTRA_TEST_BROWSER_MODE   signin (default) | deny (sign in, decline consent) | cancel | wrong-password
 *                             (three times, until the provider gives up) | tamper-state
 *                             (change `state` in the URL before opening it) | ignore (note the URL, open nothing)
 *                             | fail (exit 1 at once, as a broken launcher would)
 *   ENTRA_TEST_USER / ENTRA_TEST_PASSWORD   the account to sign in with
 *   ENTRA_TEST_BROWSER_LOG    file to append one JSON line to: {url, mode, outcome, prefilled, text}
 *
 * It never writes a code or a token anywhere: the log holds the authorization URL (no secret in it) and the text of
 * the CLI's result page.
 */
import {appendFileSync} from 'node:fs'
import {openChromium, signInAt, type SignInOutcome} from './chromium.js'

async function main(): Promise<number> {
  const url = process.argv[2]
  const mode = process.env.ENTRA_TEST_BROWSER_MODE ?? 'signin'
  const log = (entry: Record<string, unknown>) => {
    if (process.env.ENTRA_TEST_BROWSER_LOG)
      appendFileSync(process.env.ENTRA_TEST_BROWSER_LOG, `${JSON.stringify({mode, url, ...entry})}\n`)
  }
  if (!url) return 2
  if (mode === 'fail') return 1
  if (mode === 'ignore') {
    log({outcome: 'ignored'})
    return 0
  }
  let target = url
  if (mode === 'tamper-state') {
    const tampered = new URL(url)
    tampered.searchParams.set('state', 'forged-state-value')
    target = tampered.toString()
  }
  const session = await openChromium()
  let entry: Record<string, unknown>
  try {
    const result: SignInOutcome = await signInAt(session, target, {
      attempts: mode === 'wrong-password' ? 3 : 1,
      cancel: mode === 'cancel',
      consent: mode !== 'deny',
      password: mode === 'wrong-password' ? 'not-the-password' : (process.env.ENTRA_TEST_PASSWORD ?? ''),
      username: process.env.ENTRA_TEST_USER ?? '',
    })
    entry = {...result}
  } catch (error) {
    entry = {outcome: 'driver-error', text: error instanceof Error ? error.message.slice(0, 500) : String(error)}
  }
  // Close Chromium before logging: a test that saw the log may remove the folders Chromium writes to.
  await session.close()
  log(entry)
  return entry.outcome === 'driver-error' ? 3 : 0
}

// Never outlive a test run, whatever happens to the page.
setTimeout(() => process.exit(4), 45_000).unref()
main().then(
  (code) => process.exit(code),
  () => process.exit(5),
)
