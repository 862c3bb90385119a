/**
 * Debian's Chromium driven through playwright-core, signing in on the local identity provider the way a person
 * would: used by the $BROWSER script (./browser) that the CLI launches, and in-process by tests for the second
 * device of a device code sign-in.
 *
 * Only this test browser ignores certificate errors (the provider's CA is made per run); the product trusts the CA
 * through NODE_EXTRA_CA_CERTS like any corporate CA.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {chromium, type BrowserContext, type Page} from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export interface Session {
  context: BrowserContext
  page: Page
  close(): Promise<void>
}

/** A fresh Chromium with its own throw-away profile directory (removed on close). */
export async function openChromium(): Promise<Session> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'entra-chromium-'))
  const context = await chromium.launchPersistentContext(userDataDir, {
    args: CHROMIUM_FLAGS,
    executablePath: CHROMIUM,
    headless: true,
    ignoreHTTPSErrors: true,
  })
  const page = context.pages()[0] ?? (await context.newPage())
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => undefined)
      rmSync(userDataDir, {force: true, recursive: true})
    },
  }
}

export interface Credentials {
  username: string
  password: string
  /** Tick the consent box when it is shown (default true); false declines consent. */
  consent?: boolean
  /** Press Cancel instead of signing in. */
  cancel?: boolean
  /** Submit the form up to this many times while the provider keeps showing it (wrong passwords; default 1). */
  attempts?: number
}

export interface SignInOutcome {
  /** What the sign-in form had pre-filled in the user name field (login_hint). */
  prefilled?: string
  /** `success` / `failure` from the CLI's loopback page, `idp-error` when the provider showed an error. */
  outcome: string
  text: string
}

const WAIT_MS = 20_000

/** On the provider's sign-in form (already loaded in `page`): fill it in and submit; returns what came next. */
export async function submitSignIn(
  page: Page,
  credentials: Credentials,
  resultSelector: string,
): Promise<SignInOutcome> {
  const form = page.locator('#sign-in')
  if ((await form.count()) === 0)
    return {outcome: 'idp-error', text: (await page.locator('body').innerText()).slice(0, 500)}
  const prefilled = await page.inputValue('#login')
  await page.fill('#login', credentials.username)
  await page.fill('#passwd', credentials.password)
  if ((credentials.consent ?? true) && (await page.locator('#consent').count()) > 0) await page.check('#consent')
  for (let attempt = 1; ; attempt++) {
    await page.click(credentials.cancel ? '#cancel' : '#idSIButton9')
    const result = page.locator(`${resultSelector}, #error`).first()
    await result.waitFor({timeout: WAIT_MS})
    const outcome = (await result.getAttribute('data-outcome')) ?? 'idp-error'
    if (outcome === 'idp-error' && attempt < (credentials.attempts ?? 1) && (await form.count()) > 0) {
      await page.fill('#passwd', credentials.password)
      continue
    }
    return {outcome, prefilled, text: (await page.locator('body').innerText()).slice(0, 500)}
  }
}

/** Browser sign-in from an authorization URL; ends on the CLI's loopback result page. */
export async function signInAt(session: Session, url: string, credentials: Credentials): Promise<SignInOutcome> {
  await session.page.goto(url, {timeout: WAIT_MS})
  return submitSignIn(session.page, credentials, '#result[data-outcome]')
}

/** The second device of a device code sign-in: open the verification page, enter the code, sign in. */
export async function enterDeviceCode(
  verificationUri: string,
  userCode: string,
  credentials: Credentials,
): Promise<SignInOutcome> {
  const session = await openChromium()
  try {
    await session.page.goto(verificationUri, {timeout: WAIT_MS})
    await session.page.fill('#otc', userCode)
    await session.page.click('#idSIButton9')
    await session.page.locator('#sign-in, #error').first().waitFor({timeout: WAIT_MS})
    return await submitSignIn(session.page, credentials, '#device-done')
  } finally {
    await session.close()
  }
}
