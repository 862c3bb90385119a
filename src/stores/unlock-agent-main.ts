/**
 * Entry point of the unlock agent process (started by startAgent in unlock-agent-server.ts). Reads its grant (file,
 * KDF parameters, key, timeout) as one JSON line on stdin, listens, and says `ready` on stdout.
 */
import {serveAgent, type AgentGrant} from './unlock-agent-server.js'

process.title = 'entra-auth-cli unlock-agent'
let input = ''
process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk: string) => (input += chunk))
process.stdin.on('end', () => {
  let grant: AgentGrant
  try {
    grant = JSON.parse(input) as AgentGrant
  } catch {
    process.stdout.write('error: no grant on stdin\n')
    process.exit(1)
  }
  input = ''
  serveAgent(process.argv[2], grant, (error) => {
    process.stdout.write(error ? `error: ${error.message}\n` : 'ready\n')
    if (error) process.exit(1)
  })
})
