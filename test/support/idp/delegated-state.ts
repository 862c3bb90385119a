/**
 * What the delegated flows remember between requests: sign-in transactions (an /authorize request or a device
 * code waiting for its user), authorization codes, device codes and refresh tokens, plus the knobs tests turn
 * (device code timing, slow_down, Conditional Access, MFA, expired refresh tokens) and the logs they read.
 */
import {randomBytes, randomInt, randomUUID} from 'node:crypto'
import {Directory, type User} from './registry.js'

/** The parameters of one `/authorize` request, as received (none of them is a secret). */
export type AuthorizeRecord = Record<string, string> & {tenant: string}

export interface AuthorizeTransaction {
  kind: 'authorize'
  id: string
  tenantId: string
  clientId: string
  appName: string
  redirectUri: string
  responseMode: 'query' | 'form_post'
  scopes: string[]
  state?: string
  nonce?: string
  codeChallenge: string
  codeChallengeMethod: 'S256'
  loginHint?: string
  /** The request carried `client_info=1`: the response then includes client_info. */
  clientInfo: boolean
  failedAttempts: number
}

export interface DeviceTransaction {
  kind: 'device'
  id: string
  userCode: string
  failedAttempts: number
}

export type SignInTransaction = AuthorizeTransaction | DeviceTransaction

export interface AuthorizationCodeEntry {
  tenantId: string
  clientId: string
  redirectUri: string
  codeChallenge: string
  scopes: string[]
  userId: string
  nonce?: string
  expiresAt: number
  redeemed: boolean
}

export interface DeviceCodeEntry {
  deviceCode: string
  userCode: string
  tenantId: string
  clientId: string
  appName: string
  scopes: string[]
  expiresAt: number
  intervalSeconds: number
  status: 'pending' | 'approved' | 'denied' | 'redeemed'
  userId?: string
  slowDownLeft: number
}

export interface RefreshTokenEntry {
  tenantId: string
  clientId: string
  userId: string
  issuedAt: Date
  revoked: boolean
  expired: boolean
}

export interface DeviceCodeSettings {
  /** `expires_in` of new device codes (Entra: 900). */
  expiresInSeconds: number
  /** `interval` of new device codes (Entra: 5); `undefined` leaves it out of the response. */
  intervalSeconds: number | undefined
  /** Answer `slow_down` to this many polls of each new device code before anything else. */
  slowDownPolls: number
}

const CODE_LIFETIME_MS = 10 * 60 * 1000
/** Entra's user codes: 9 characters, no look-alikes. */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ23456789'

export class DelegatedState {
  readonly directory: Directory
  private readonly transactions = new Map<string, SignInTransaction>()
  private readonly codes = new Map<string, AuthorizationCodeEntry>()
  private readonly deviceCodes = new Map<string, DeviceCodeEntry>()
  private readonly refreshTokens = new Map<string, RefreshTokenEntry>()
  private readonly mfaUsers = new Set<string>()
  private readonly blockedDeviceCodeTenants = new Set<string>()
  /** Every code, device code and token handed out: tests search output and files for them. */
  private readonly issued: string[] = []
  readonly authorizeLog: AuthorizeRecord[] = []
  readonly deviceSettings: DeviceCodeSettings = {expiresInSeconds: 900, intervalSeconds: 5, slowDownPolls: 0}

  constructor(directory: Directory) {
    this.directory = directory
  }

  recordIssued(...secrets: Array<string | undefined>): void {
    for (const s of secrets) if (s) this.issued.push(s)
  }

  issuedSecrets(): string[] {
    return [...this.issued]
  }

  // --- sign-in transactions

  beginAuthorize(tx: Omit<AuthorizeTransaction, 'kind' | 'id' | 'failedAttempts'>): AuthorizeTransaction {
    const transaction: AuthorizeTransaction = {...tx, failedAttempts: 0, kind: 'authorize', id: randomUUID()}
    this.transactions.set(transaction.id, transaction)
    return transaction
  }

  beginDevice(userCode: string): DeviceTransaction {
    const transaction: DeviceTransaction = {failedAttempts: 0, kind: 'device', id: randomUUID(), userCode}
    this.transactions.set(transaction.id, transaction)
    return transaction
  }

  transaction(id: string | undefined): SignInTransaction | undefined {
    return id ? this.transactions.get(id) : undefined
  }

  endTransaction(id: string): void {
    this.transactions.delete(id)
  }

  // --- authorization codes

  issueCode(entry: Omit<AuthorizationCodeEntry, 'expiresAt' | 'redeemed'>): string {
    // Entra's codes are long opaque strings starting with "0.A" or "1.A"; the shape only matters to people.
    const code = `1.A${randomBytes(48).toString('base64url')}`
    this.codes.set(code, {...entry, expiresAt: Date.now() + CODE_LIFETIME_MS, redeemed: false})
    this.recordIssued(code)
    return code
  }

  code(code: string): AuthorizationCodeEntry | undefined {
    return this.codes.get(code)
  }

  // --- device codes

  issueDeviceCode(entry: Pick<DeviceCodeEntry, 'tenantId' | 'clientId' | 'appName' | 'scopes'>): DeviceCodeEntry {
    const settings = this.deviceSettings
    let userCode = ''
    for (let i = 0; i < 9; i++) userCode += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]
    const device: DeviceCodeEntry = {
      ...entry,
      deviceCode: `DAQABIQEAAA${randomBytes(48).toString('base64url')}`,
      userCode,
      expiresAt: Date.now() + settings.expiresInSeconds * 1000,
      intervalSeconds: settings.intervalSeconds ?? 5,
      status: 'pending',
      slowDownLeft: settings.slowDownPolls,
    }
    this.deviceCodes.set(device.deviceCode, device)
    this.recordIssued(device.deviceCode)
    return device
  }

  deviceCode(deviceCode: string): DeviceCodeEntry | undefined {
    return this.deviceCodes.get(deviceCode)
  }

  /** By the code a person types: case, spaces and dashes do not matter. */
  deviceByUserCode(userCode: string): DeviceCodeEntry | undefined {
    const wanted = userCode.toUpperCase().replace(/[\s-]/g, '')
    for (const device of this.deviceCodes.values()) if (device.userCode === wanted) return device
    return undefined
  }

  // --- refresh tokens

  issueRefreshToken(entry: Omit<RefreshTokenEntry, 'issuedAt' | 'revoked' | 'expired'>): string {
    const token = `1.AQ${randomBytes(96).toString('base64url')}`
    this.refreshTokens.set(token, {...entry, issuedAt: new Date(), revoked: false, expired: false})
    this.recordIssued(token)
    return token
  }

  refreshToken(token: string): RefreshTokenEntry | undefined {
    return this.refreshTokens.get(token)
  }

  /** Every refresh token issued so far now answers AADSTS700082 (expired after inactivity). */
  expireRefreshTokens(): void {
    for (const entry of this.refreshTokens.values()) entry.expired = true
  }

  // --- policies

  requireMfa(user: User, required: boolean): void {
    if (required) this.mfaUsers.add(user.id)
    else this.mfaUsers.delete(user.id)
  }

  mfaRequired(userId: string): boolean {
    return this.mfaUsers.has(userId)
  }

  blockDeviceCode(tenantId: string, blocked: boolean): void {
    if (blocked) this.blockedDeviceCodeTenants.add(tenantId.toLowerCase())
    else this.blockedDeviceCodeTenants.delete(tenantId.toLowerCase())
  }

  deviceCodeBlocked(tenantId: string): boolean {
    return this.blockedDeviceCodeTenants.has(tenantId.toLowerCase())
  }
}
