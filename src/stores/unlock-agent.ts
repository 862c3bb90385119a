import {createHash} from 'node:crypto'
import {lstatSync} from 'node:fs'
import {createConnection} from 'node:net'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import type {KdfParams} from '../base/crypto.js'

/**
 * The client side of `unlock`: a small agent process holds the encrypted-file store's derived key in memory for a
 * bounded time and hands it out over a Unix socket, so a get-token does not pay scrypt on every call (like
 * ssh-agent or `git credential-cache`). This module is on the get-token fast path: one connect, one line each way.
 *
 * The socket lives in a 0700 folder of ours ($XDG_RUNTIME_DIR/entra-auth-cli, else /tmp/entra-auth-cli-<uid>) and
 * is 0600; nothing else is ever written. The agent serves a key only for the very file and KDF parameters (salt
 * included) it was unlocked with, and every caller still checks it against the file's authentication tag.
 */

export interface AgentRequest {
  op: 'key' | 'status' | 'lock'
  file: string
  kdf?: KdfParams
}

export interface AgentReply {
  key?: string
  /** Milliseconds left before the agent forgets the key (status). */
  expiresInMs?: number
  pid?: number
  locked?: boolean
}

/** Where the agents' sockets live: per user, never shared, gone at reboot ($XDG_RUNTIME_DIR is a tmpfs). */
export function agentDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.XDG_RUNTIME_DIR
    ? join(env.XDG_RUNTIME_DIR, 'entra-auth-cli')
    : join(tmpdir(), `entra-auth-cli-${process.getuid?.() ?? 'user'}`)
}

/** One agent per secrets file: the name is a hash of its absolute path (a socket path must stay short). */
export function agentSocket(file: string, env: NodeJS.ProcessEnv = process.env): string {
  const id = createHash('sha256').update(resolve(file)).digest('hex').slice(0, 20)
  return join(agentDir(env), `agent-${id}.sock`)
}

/** A folder someone else made (or opened up) could hold an impostor's socket: then there is no agent to talk to. */
export function isPrivateDir(dir: string): boolean {
  try {
    const stat = lstatSync(dir)
    const uid = process.getuid?.()
    return stat.isDirectory() && (uid === undefined || stat.uid === uid) && (stat.mode & 0o077) === 0
  } catch {
    return false
  }
}

export function sameKdf(a: KdfParams, b: KdfParams): boolean {
  return a.name === b.name && a.N === b.N && a.r === b.r && a.p === b.p && a.salt === b.salt
}

/** One request, one reply; undefined when no agent answers (none running, stale socket, hung, malformed reply). */
export function askAgent(
  request: AgentRequest,
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 2000,
): Promise<AgentReply | undefined> {
  const file = resolve(request.file)
  if (process.platform === 'win32' || !isPrivateDir(agentDir(env))) return Promise.resolve(undefined)
  return new Promise((resolvePromise) => {
    let text = ''
    let settled = false
    const done = (reply: AgentReply | undefined) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolvePromise(reply)
    }
    const socket = createConnection(agentSocket(file, env))
    const timer = setTimeout(() => done(undefined), timeoutMs)
    socket.setEncoding('utf8')
    socket.on('error', () => done(undefined))
    socket.on('close', () => done(undefined))
    socket.on('data', (chunk: string) => {
      text += chunk
      const end = text.indexOf('\n')
      if (end === -1) return
      try {
        done(JSON.parse(text.slice(0, end)) as AgentReply)
      } catch {
        done(undefined)
      }
    })
    socket.write(JSON.stringify({...request, file}) + '\n')
  })
}

/** Whether an agent holds a key for this file (`unlock`), without asking for the key. */
export async function agentUnlocked(file: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  return ((await askAgent({file, op: 'status'}, env))?.expiresInMs ?? 0) > 0
}

/** The key `unlock` derived for this file and these KDF parameters, if an agent still holds it. */
export async function agentKey(
  file: string,
  kdf: KdfParams,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Buffer | undefined> {
  const reply = await askAgent({file, kdf, op: 'key'}, env)
  if (typeof reply?.key !== 'string') return undefined
  const key = Buffer.from(reply.key, 'base64')
  return key.length === 32 ? key : undefined
}
