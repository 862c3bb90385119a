import {spawn} from 'node:child_process'
import {lstatSync, mkdirSync, unlinkSync} from 'node:fs'
import {createConnection, createServer, type Socket} from 'node:net'
import {join, resolve} from 'node:path'
import {sleep} from '../base/abort.js'
import type {KdfParams} from '../base/crypto.js'
import {ConfigError} from '../base/errors.js'
import {withLock} from '../base/file-lock.js'
import {
  agentDir,
  agentSocket,
  askAgent,
  isPrivateDir,
  sameKdf,
  type AgentReply,
  type AgentRequest,
} from './unlock-agent.js'

/**
 * The agent behind `unlock` (see unlock-agent.ts for the client): a detached Node process that holds one derived
 * key in memory, answers on a 0600 Unix socket in a 0700 folder, and exits when its time is up or on `lock`.
 * The key reaches it on a pipe (never argv, environment or a file); it runs with an empty environment.
 */

export interface AgentGrant {
  /** Absolute path of the secrets file. */
  file: string
  kdf: KdfParams
  /** base64 of the 32-byte key. */
  key: string
  timeoutMs: number
}

/**
 * Started by `unlock`: stops any agent already holding this file, then starts one; resolves once it listens.
 * Serialised per file by a lock in the agent folder: two unlocks at once would otherwise each clear the way for their
 * own agent, and the second would remove the first one's socket, leaving an agent with the key that `lock` cannot
 * reach. Under the lock the last unlock wins: its key and its deadline, with one agent alive.
 */
export async function startAgent(grant: AgentGrant, env: NodeJS.ProcessEnv = process.env): Promise<{pid: number}> {
  const dir = agentDir(env)
  mkdirSync(dir, {mode: 0o700, recursive: true})
  if (!isPrivateDir(dir)) {
    throw new ConfigError(
      `${dir} is not a folder only you can open (mode 0700, owned by you); remove it and run unlock again.`,
      'AGENT_DIR_UNSAFE',
    )
  }
  const socketPath = agentSocket(grant.file, env)
  const lockPath = socketPath.replace(/\.sock$/, '.lock')
  return withLock(lockPath, {holdMs: 30_000, timeoutMs: 60_000, what: 'Starting the unlock agent'}, async () => {
    await clearSocket(grant.file, socketPath, env)
    return spawnAgent(grant, socketPath)
  })
}

async function spawnAgent(grant: AgentGrant, socketPath: string): Promise<{pid: number}> {
  const child = spawn(process.execPath, [join(__dirname, 'unlock-agent-main.js'), socketPath], {
    cwd: '/',
    detached: true,
    env: {},
    stdio: ['pipe', 'pipe', 'ignore'],
  })
  const answer = await new Promise<string>((resolvePromise) => {
    let text = ''
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk
      if (text.includes('\n')) resolvePromise(text.trim())
    })
    child.once('error', (error) => resolvePromise(`error: ${error.message}`))
    child.once('exit', (code) => resolvePromise(`error: the agent exited (${code}) before it listened`))
    // An agent that dies before reading its grant must not crash us with EPIPE: its exit is the answer.
    child.stdin!.on('error', () => {})
    child.stdin!.end(JSON.stringify(grant) + '\n')
  })
  child.stdout!.destroy()
  child.unref()
  if (answer !== 'ready')
    throw new ConfigError(`Could not start the unlock agent: ${answer.replace(/^error: /, '')}.`, 'AGENT_FAILED')
  return {pid: child.pid!}
}

/** `lock`: tells the agent of this file to forget its key and exit; false when none was running. */
export async function stopAgent(file: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const reply = await askAgent({file, op: 'lock'}, env)
  return reply?.locked === true
}

/**
 * Makes way for a new agent at `socketPath`: asks the agent there to forget its key and exit, then removes the
 * socket only when nothing listens on it any more (ECONNREFUSED: left by a killed agent; ENOENT: already gone). An
 * agent that still answers is never unlinked from under it, since it would live on with the key out of reach.
 */
async function clearSocket(file: string, socketPath: string, env: NodeJS.ProcessEnv): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await stopAgent(file, env)
    const state = await probe(socketPath)
    // Anything else at the path (a regular file, EACCES) is left alone: listen reports it as the agent's failure.
    if (state === 'absent' || state === 'other') return
    if (state === 'refused') {
      try {
        if (lstatSync(socketPath).isSocket()) unlinkSync(socketPath)
      } catch {
        // Gone meanwhile (the old agent removed it itself): the way is clear.
      }
      return
    }
    // 'listening': an agent that just said yes to `lock` closes its listener a moment later; give it that moment.
    // A hung agent never closes it: each try then costs askAgent's 2 s, so give up after a few.
    if (attempt >= 10) {
      throw new ConfigError(
        `An unlock agent still answers on ${socketPath} and does not stop; end its process (ps -ef | grep unlock-agent) and run unlock again.`,
        'AGENT_FAILED',
      )
    }
    await sleep(50)
  }
}

/** Whether something listens on a Unix socket path, without sending it anything. */
function probe(socketPath: string): Promise<'absent' | 'listening' | 'other' | 'refused'> {
  return new Promise((resolvePromise) => {
    const socket = createConnection(socketPath)
    socket.once('connect', () => {
      socket.destroy()
      resolvePromise('listening')
    })
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.destroy()
      resolvePromise(error.code === 'ECONNREFUSED' ? 'refused' : error.code === 'ENOENT' ? 'absent' : 'other')
    })
  })
}

/** The agent process itself (unlock-agent-main.ts): serve until the deadline or a `lock`, then forget and exit. */
export function serveAgent(socketPath: string, grant: AgentGrant, ready: (error?: Error) => void): void {
  const key = Buffer.from(grant.key, 'base64')
  const file = resolve(grant.file)
  const deadline = Date.now() + grant.timeoutMs
  let inode: number | undefined
  const server = createServer((socket) => answer(socket))

  const shutdown = () => {
    key.fill(0)
    server.close()
    // Remove our socket only, not one a newer agent has put in its place.
    try {
      if (lstatSync(socketPath).ino === inode) unlinkSync(socketPath)
    } catch {
      // Already gone.
    }
    process.exit(0)
  }

  const reply = (request: AgentRequest): AgentReply => {
    if (resolve(request.file ?? '') !== file) return {}
    if (request.op === 'status') return {expiresInMs: Math.max(0, deadline - Date.now()), pid: process.pid}
    if (request.op === 'lock') return {locked: true}
    // The monotonic timer stands still while the machine sleeps: the wall clock decides too.
    if (Date.now() >= deadline) {
      setImmediate(shutdown)
      return {}
    }
    if (request.op === 'key' && request.kdf && sameKdf(request.kdf, grant.kdf)) return {key: key.toString('base64')}
    return {}
  }

  const answer = (socket: Socket) => {
    let text = ''
    socket.setEncoding('utf8')
    socket.on('error', () => socket.destroy())
    socket.setTimeout(5000, () => socket.destroy())
    socket.on('data', (chunk: string) => {
      text += chunk
      const end = text.indexOf('\n')
      if (end === -1) {
        if (text.length > 64 * 1024) socket.destroy()
        return
      }
      let request: AgentRequest
      try {
        request = JSON.parse(text.slice(0, end)) as AgentRequest
      } catch {
        socket.destroy()
        return
      }
      const response = reply(request)
      socket.end(JSON.stringify(response) + '\n', () => {
        if (response.locked) shutdown()
      })
    })
  }

  // The socket is born 0600 (umask), inside a folder only we can open.
  process.umask(0o177)
  server.once('error', (error) => ready(error))
  server.listen(socketPath, () => {
    inode = lstatSync(socketPath).ino
    setTimeout(shutdown, grant.timeoutMs)
    // An agent whose socket was removed or replaced can no longer be reached by `lock`: it forgets and exits by
    // itself rather than hold the key out of reach until its deadline.
    setInterval(() => {
      let current: number | undefined
      try {
        current = lstatSync(socketPath).ino
      } catch {
        current = undefined
      }
      if (current !== inode) shutdown()
    }, 1000).unref()
    ready()
  })
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, shutdown)
}
