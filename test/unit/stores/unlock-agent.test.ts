import {expect} from 'chai'
import {chmodSync, mkdirSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {join} from 'node:path'
import {agentDir, agentKey, agentSocket, askAgent, isPrivateDir} from '../../../src/stores/unlock-agent.js'
import {newKdfParams} from '../../../src/base/crypto.js'
import {TestHome} from '../../support/cli.js'

describe('unlock agent client', () => {
  let home: TestHome
  let env: NodeJS.ProcessEnv
  let server: Server | undefined
  beforeEach(() => {
    home = new TestHome('agent-')
    env = {XDG_RUNTIME_DIR: join(home.root, 'run')}
  })
  afterEach(() => {
    server?.close()
    server = undefined
    home.cleanup()
  })

  /** Something listening where the agent would, answering every request with `reply`. */
  const impostor = (reply: string): Promise<void> => {
    mkdirSync(agentDir(env), {mode: 0o700, recursive: true})
    server = createServer((socket) => socket.end(reply))
    return new Promise((resolve) => server!.listen(agentSocket(join(home.root, 'secrets.enc'), env), resolve))
  }

  it('one short socket per secrets file, under $XDG_RUNTIME_DIR/entra-auth-cli', () => {
    const a = agentSocket(join(home.root, 'a', 'secrets.enc'), env)
    const b = agentSocket(join(home.root, 'b', 'secrets.enc'), env)
    expect(a).not.to.equal(b)
    expect(a.startsWith(join(home.root, 'run', 'entra-auth-cli') + '/')).to.equal(true)
    expect(Buffer.byteLength(a)).to.be.below(108)
  })

  it('a folder that is not 0700 is not private, and no agent is asked there', async () => {
    await impostor(`${JSON.stringify({expiresInMs: 1000, key: Buffer.alloc(32).toString('base64')})}\n`)
    expect(isPrivateDir(agentDir(env))).to.equal(true)
    chmodSync(agentDir(env), 0o755)
    expect(isPrivateDir(agentDir(env))).to.equal(false)
    expect(await askAgent({file: join(home.root, 'secrets.enc'), op: 'status'}, env)).to.equal(undefined)
    expect(await agentKey(join(home.root, 'secrets.enc'), newKdfParams(), env)).to.equal(undefined)
  })

  it('no agent, a malformed reply or a key of the wrong length: no key', async () => {
    expect(await agentKey(join(home.root, 'secrets.enc'), newKdfParams(), env)).to.equal(undefined)
    await impostor('not json\n')
    expect(await agentKey(join(home.root, 'secrets.enc'), newKdfParams(), env)).to.equal(undefined)
    server!.close()
    await impostor(`${JSON.stringify({key: Buffer.alloc(16).toString('base64')})}\n`)
    expect(await agentKey(join(home.root, 'secrets.enc'), newKdfParams(), env)).to.equal(undefined)
  })
})
