import {expect} from 'chai'
import type {Idp} from '../support/idp/index.js'
import {useWorld, type World} from '../support/world.js'

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const ENTRA_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/

describe('errors people can act on: an Entra refusal with its advice, the server reason and the IDs support asks for', function () {
  const suite = useWorld({profile: {name: 'bad', secret: 'not-the-secret-value'}})
  let idp: Idp
  let world: World
  beforeEach(() => ({idp, world} = suite))

  it('a wrong secret (AADSTS7000215): the advice line first, then what the server said, Trace ID, Correlation ID and Timestamp', async () => {
    const result = await world.cli(['get-token', '-p', 'bad'])
    expect(result.code).to.equal(4)
    expect(result.stdout).to.equal('')
    const [sent] = idp.tokenRequests()
    const lines = result.stderr.trimEnd().split('\n')
    const at = lines.findIndex((l) => l.startsWith('Error:'))
    expect(lines[at]).to.match(
      /^Error: Authentication failed \(AADSTS7000215\): Invalid client secret.*config edit -p bad --client-secret-stdin\.$/,
    )
    expect(lines[at + 1]).to.equal('  Server said: Invalid client secret provided.')
    expect(lines[at + 2]).to.equal(`  Trace ID: ${sent.traceId}`)
    expect(lines[at + 3]).to.equal(`  Correlation ID: ${sent.correlationId}`)
    expect(lines[at + 4]).to.match(/^ {2}Timestamp: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/)
    expect(lines).to.have.length(at + 5)
    expect(sent.traceId).to.match(GUID)
    expect(sent.correlationId).to.match(GUID)
    expect(result.stderr).not.to.include('not-the-secret-value')
  })

  it('--json: the same error as one JSON document on stdout, with the reason and the IDs as fields', async () => {
    const result = await world.cli(['get-token', '-p', 'bad', '--json'])
    expect(result.code).to.equal(4)
    const [sent] = idp.tokenRequests()
    const {error} = JSON.parse(result.stdout) as {error: Record<string, unknown>}
    expect(error).to.include({
      code: 'AADSTS7000215',
      correlationId: sent.correlationId,
      exitCode: 4,
      oauthError: 'invalid_client',
      serverMessage: 'Invalid client secret provided.',
      traceId: sent.traceId,
    })
    expect(error.message).to.match(/^Authentication failed \(AADSTS7000215\): Invalid client secret/)
    expect(error.timestamp).to.match(ENTRA_TIMESTAMP)
    expect(result.stderr).to.include(`Error: ${error.message as string}\n`)
    expect(result.stdout).not.to.include('not-the-secret-value')
  })

  it('--json also carries local errors (unknown profile) with their code and exit code', async () => {
    const result = await world.cli(['get-token', '-p', 'nope', '--json'])
    expect(result.code).to.equal(3)
    expect(JSON.parse(result.stdout)).to.deep.equal({
      error: {
        code: 'PROFILE_NOT_FOUND',
        exitCode: 3,
        message:
          "Profile 'nope' not found. Run 'entra-auth-cli config list' to see profiles, or 'entra-auth-cli config create' to add one.",
      },
    })
  })
})
