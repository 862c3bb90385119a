import {createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCb, type ScryptOptions} from 'node:crypto'

/** AES-256-GCM envelope used for everything we encrypt at rest: the token cache, the secrets file, export bundles. */
export interface SealedBox {
  iv: string
  tag: string
  data: string
}

export function seal(key: Buffer, plaintext: string, aad: string): SealedBox {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(aad))
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return {data: data.toString('base64'), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64')}
}

/**
 * Throws when the key is wrong or a single byte was changed (GCM authenticates iv, aad and ciphertext). The tag
 * must be the full 16 bytes and the IV 12: Node would otherwise accept a tag truncated to 4 bytes, which a
 * forger can guess.
 */
export function open(key: Buffer, box: SealedBox, aad: string): string {
  const iv = Buffer.from(box.iv, 'base64')
  const tag = Buffer.from(box.tag, 'base64')
  if (iv.length !== 12 || tag.length !== 16) throw new Error('malformed sealed box')
  const decipher = createDecipheriv('aes-256-gcm', key, iv, {authTagLength: 16})
  decipher.setAAD(Buffer.from(aad))
  decipher.setAuthTag(tag)
  return Buffer.concat([decipher.update(Buffer.from(box.data, 'base64')), decipher.final()]).toString('utf8')
}

export function isSealedBox(value: unknown): value is SealedBox {
  const box = value as SealedBox
  return typeof box?.iv === 'string' && typeof box?.tag === 'string' && typeof box?.data === 'string'
}

export function newKey(): Buffer {
  return randomBytes(32)
}

/**
 * scrypt parameters for passphrase-derived keys. N=2^15, r=8 costs ~32 MiB and ~60 ms here: paid once per process
 * by the encrypted-file store, so a cached get-token stays quick while an offline guess stays expensive.
 * Export bundles are opened rarely and use a stronger N (see export code). Parameters are stored with the data,
 * so they can be raised later without breaking old files.
 */
export interface KdfParams {
  name: 'scrypt'
  N: number
  r: number
  p: number
  salt: string
}

export function newKdfParams(N = 2 ** 15): KdfParams {
  return {N, name: 'scrypt', p: 1, r: 8, salt: randomBytes(16).toString('base64')}
}

export function deriveKey(passphrase: string, params: KdfParams): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.N,
    maxmem: 256 * params.N * params.r + 1024 * 1024,
    p: params.p,
    r: params.r,
  }
  return new Promise((resolve, reject) => {
    scryptCb(passphrase.normalize('NFC'), Buffer.from(params.salt, 'base64'), 32, options, (error, key) =>
      error ? reject(error) : resolve(key),
    )
  })
}

/**
 * Parameters read from a file are attacker-controlled: refuse ones that would make scrypt allocate gigabytes or
 * run for minutes, or that are too weak to have been written by us.
 */
export function isSaneKdf(kdf: Partial<KdfParams> | undefined): kdf is KdfParams {
  if (kdf?.name !== 'scrypt') return false
  const {N, p, r, salt} = kdf
  return (
    Number.isInteger(N) &&
    N! >= 2 ** 14 &&
    N! <= 2 ** 20 &&
    (N! & (N! - 1)) === 0 &&
    Number.isInteger(r) &&
    r! >= 1 &&
    r! <= 32 &&
    Number.isInteger(p) &&
    p! >= 1 &&
    p! <= 4 &&
    128 * N! * r! * p! <= 512 * 1024 * 1024 &&
    typeof salt === 'string' &&
    Buffer.from(salt, 'base64').length >= 16
  )
}
