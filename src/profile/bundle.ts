import {lstat, open as openFile, stat} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'
import {
  deriveKey,
  isSaneKdf,
  isSealedBox,
  newKdfParams,
  open,
  seal,
  type KdfParams,
  type SealedBox,
} from '../base/crypto.js'
import {CliError, ConfigError, UsageError} from '../base/errors.js'
import {ExitCode} from '../base/exit-codes.js'
import {FileExistsError, writeFileAtomic} from '../base/fs-atomic.js'
import {describeFileError, OutputError, ownDescriptor, writeOutputFile} from '../base/output-target.js'
import type {Profile} from './model.js'
import {BIN} from '../base/product.js'

/**
 * The export bundle: profiles (and, on request, their secrets) moved between machines as one file.
 *
 *   {"format": "entra-auth-cli-profiles", "version": 1, "kdf": {scrypt params + salt}, "iv", "tag", "data"}
 *
 * `data` is AES-256-GCM under scrypt(passphrase). The header (format, version and every kdf parameter) is the AAD,
 * so changing any byte of the file, header included, fails the authentication tag. The kdf parameters are
 * stronger than the secrets file's (N = 2^17, ~128 MiB, a few hundred ms): a bundle is opened rarely and may travel
 * through mail or chat, so offline guessing must be expensive.
 */
export const BUNDLE_FORMAT = 'entra-auth-cli-profiles'
export const BUNDLE_VERSION = 1
export const EXPORT_PASSPHRASE_ENV = 'ENTRA_AUTH_CLI_EXPORT_PASSPHRASE'
export const BUNDLE_SCRYPT_N = 2 ** 17

interface BundleFile extends SealedBox {
  format: typeof BUNDLE_FORMAT
  version: number
  kdf: KdfParams
}

export interface BundleEntry {
  /** The profile record as stored, without machine-specific fields (`secretStore`). */
  profile: Profile
  /** Present only in bundles made with --include-secrets. */
  /** `options`: the values of the flow's secret options, by option name. */
  secrets?: {clientSecret?: string; certificatePassword?: string; options?: Record<string, string>}
  /** The certificate file itself (it holds the private key), only with --include-secrets. */
  certificate?: {fileName: string; data: string}
}

export interface BundlePayload {
  exportedAt: string
  exportedBy: string
  includesSecrets: boolean
  profiles: BundleEntry[]
}

function aad(header: Pick<BundleFile, 'format' | 'version' | 'kdf'>): string {
  const {N, name, p, r, salt} = header.kdf
  return [header.format, `v${header.version}`, name, N, r, p, salt].join('|')
}

export async function sealBundle(payload: BundlePayload, passphrase: string, N = BUNDLE_SCRYPT_N): Promise<string> {
  const kdf = newKdfParams(N)
  const header = {format: BUNDLE_FORMAT, kdf, version: BUNDLE_VERSION} as const
  const key = await deriveKey(passphrase, kdf)
  const box = seal(key, JSON.stringify(payload), aad(header))
  return JSON.stringify({...header, ...box}, null, 2) + '\n'
}

/**
 * Reads and checks the header before any passphrase is asked for: not a bundle, a newer version, or kdf parameters
 * outside sane bounds (a crafted file must not make us allocate gigabytes) are reported as such.
 */
export function parseBundle(text: string, file: string): BundleFile {
  let data: BundleFile
  try {
    data = JSON.parse(text) as BundleFile
  } catch {
    throw new ConfigError(`${file} is not an ${BIN} profile bundle (not JSON). Nothing was imported.`, 'BUNDLE_INVALID')
  }
  if (!data || typeof data !== 'object' || data.format !== BUNDLE_FORMAT) {
    throw new ConfigError(
      `${file} is not an ${BIN} profile bundle (format '${String(data?.format)}'). Nothing was imported.`,
      'BUNDLE_INVALID',
    )
  }
  if (data.version !== BUNDLE_VERSION) {
    const newer = typeof data.version === 'number' && data.version > BUNDLE_VERSION
    throw new ConfigError(
      newer
        ? `${file} is a version ${data.version} bundle, made by a newer ${BIN}; this one reads version ${BUNDLE_VERSION}: upgrade ${BIN}. Nothing was imported.`
        : `${file} has an unknown bundle version '${String(data.version)}' (this ${BIN} reads version ${BUNDLE_VERSION}). Nothing was imported.`,
      'BUNDLE_VERSION',
    )
  }
  const sane = isSaneKdf(data.kdf)
  if (!sane || !isSealedBox(data)) {
    throw new ConfigError(`${file} is damaged: its header was modified. Nothing was imported.`, 'BUNDLE_TAMPERED')
  }
  return data
}

export async function openBundle(bundle: BundleFile, passphrase: string, file: string): Promise<BundlePayload> {
  const key = await deriveKey(passphrase, bundle.kdf)
  let text: string
  try {
    text = open(key, bundle, aad(bundle))
  } catch {
    throw new ConfigError(
      `Cannot decrypt ${file}: wrong passphrase, or the file was modified after export. Nothing was imported.`,
      'BUNDLE_DECRYPT',
    )
  }
  const payload = JSON.parse(text) as BundlePayload
  if (!payload || !Array.isArray(payload.profiles))
    throw new ConfigError(`${file} holds no profile list. Nothing was imported.`, 'BUNDLE_INVALID')
  return payload
}

/** Far more than any bundle (certificates included); `config import /dev/zero` stops here, not after 512 MB. */
export const MAX_BUNDLE_BYTES = 16 * 1024 * 1024

export async function readBundleFile(file: string): Promise<{bundle: BundleFile; path: string}> {
  const path = resolve(file)
  let text: string
  try {
    text = await readCapped(path, MAX_BUNDLE_BYTES)
  } catch (error) {
    if (error instanceof CliError) throw error
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(
      code === 'ENOENT' ? `No such file: ${path}.` : `Cannot read ${path}: ${code ?? (error as Error).message}.`,
    )
  }
  return {bundle: parseBundle(text, path), path}
}

/** Reads at most `max` bytes; a longer file (or an endless device) is refused without reading the rest. */
async function readCapped(path: string, max: number): Promise<string> {
  const handle = await openFile(path, 'r')
  try {
    const buffer = Buffer.alloc(max + 1)
    let length = 0
    while (length <= max) {
      const {bytesRead} = await handle.read(buffer, length, buffer.length - length, null)
      if (bytesRead === 0) return buffer.subarray(0, length).toString('utf8')
      length += bytesRead
    }
    throw new UsageError(
      `${path} is larger than ${max / 1024 / 1024} MiB, so it is not an exported bundle. Nothing was imported.`,
    )
  } finally {
    await handle.close()
  }
}

/**
 * Writes a file readable by its owner only (0600 from its creation), atomically, in a folder the user chose. It never
 * creates or re-permissions the folder (exporting to /tmp or ~/Desktop must not chmod them), and without `overwrite`
 * it refuses, atomically (link(2) fails on an existing name), to replace a file: an older export may be all that
 * is left of some secret.
 */
export async function writePrivateFile(file: string, data: string, overwrite: boolean): Promise<string> {
  const path = resolve(file)
  // Not a file (`-o /dev/stdout`, `-o >(gpg ...)`, a FIFO): written in place, as a shell's `>` would, and never
  // replaced by a file (as root, /dev/stdout would become one).
  const target = await lstat(path).catch(() => undefined)
  if (
    ownDescriptor(path) !== undefined ||
    (target && !target.isFile() && !target.isSymbolicLink() && !target.isDirectory())
  ) {
    await writeOutputFile(path, data, 'the bundle')
    return path
  }
  const folder = dirname(path)
  const info = await stat(folder).catch(() => undefined)
  if (!info?.isDirectory())
    throw new UsageError(`The folder ${folder} does not exist; create it first or pick another path.`)
  const existing = await stat(path).catch(() => undefined)
  if (existing?.isDirectory())
    throw new UsageError(`${path} is a folder; give a file name, e.g. ${join(path, 'profiles.entra')}.`)
  if (existing && !overwrite) throw new UsageError(`${path} already exists; add --force to replace it.`)
  try {
    await writeFileAtomic(path, data, {exclusive: !overwrite})
  } catch (error) {
    if (error instanceof FileExistsError) throw new UsageError(`${path} already exists; add --force to replace it.`)
    throw new OutputError('the bundle', path, describeFileError(error), ExitCode.Usage)
  }
  return path
}
