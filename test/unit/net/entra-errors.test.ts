import {expect} from 'chai'
import {adviceForEntraError, serverReason, toCliError} from '../../../src/net/entra-errors.js'

const TRACE = '4a5c1f3e-9b0d-4a57-8d8e-2f1c3b6a7e00'
const CORRELATION = '0b7f6d2c-1e4a-4c55-9a3b-77d0e6f1a2b3'
const STAMP = '2026-03-04 05:06:07Z'
const tail = `\r\nTrace ID: ${TRACE}\r\nCorrelation ID: ${CORRELATION}\r\nTimestamp: ${STAMP}`

function fields(error: ReturnType<typeof toCliError>) {
  return Object.fromEntries(error.details.map((d) => [d.field, d.value]))
}

describe('net/entra-errors', () => {
  it('turns an AADSTS error body into one line of advice naming the profile', () => {
    const error = adviceForEntraError(
      {
        error: 'invalid_client',
        error_codes: [7000215],
        error_description: 'AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x',
      },
      'prod',
    )
    expect(error?.message).to.equal(
      "Authentication failed (AADSTS7000215): Invalid client secret: it is wrong or expired, or it is the secret's ID instead of its value. Store the new value with: entra-auth-cli config edit -p prod --client-secret-stdin.",
    )
    expect(error?.exitCode).to.equal(4)
    const unknown = adviceForEntraError({
      error: 'invalid_request',
      error_description: 'AADSTS123456: Something new.\r\nTrace ID: y',
    })!
    expect(unknown.message).to.equal('Authentication failed (AADSTS123456): The identity provider refused the request.')
    expect(fields(unknown)).to.include({serverMessage: 'Something new.'})
  })

  it('keeps the advice line and adds what the server said and its three IDs, from an error body', () => {
    const error = adviceForEntraError(
      {
        correlation_id: CORRELATION,
        error: 'invalid_client',
        error_codes: [7000215],
        error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent is the value.${tail}`,
        timestamp: STAMP,
        trace_id: TRACE,
      },
      'prod',
    )!
    expect(error.message).to.match(
      /^Authentication failed \(AADSTS7000215\): Invalid client secret: .* -p prod --client-secret-stdin\.$/,
    )
    expect(fields(error)).to.deep.equal({
      correlationId: CORRELATION,
      oauthError: 'invalid_client',
      serverMessage: 'Invalid client secret provided.',
      timestamp: STAMP,
      traceId: TRACE,
    })
  })

  it('reads the IDs from the description when the body has no fields for them (redirect errors)', () => {
    const error = adviceForEntraError({
      error: 'access_denied',
      error_description: `AADSTS65004: User declined to consent to access the app.${tail}`,
    })!
    expect(fields(error)).to.include({correlationId: CORRELATION, timestamp: STAMP, traceId: TRACE})
  })

  it('takes the pieces back out of the string msal-node folds a ServerError into', () => {
    const description = `AADSTS90014: The required field 'scope' is missing from the credential.${tail}`
    const msal = {
      correlationId: CORRELATION,
      errorCode: 'invalid_request',
      errorMessage: `Error(s): 90014 - Timestamp: ${STAMP} - Description: ${description} - Correlation ID: ${CORRELATION} - Trace ID: ${TRACE}`,
      message: 'invalid_request: …',
      name: 'ServerError',
    }
    const error = toCliError(msal, {profile: 'p'})
    expect(error.exitCode).to.equal(4)
    expect(error.code).to.equal('AADSTS90014')
    expect(error.message).to.equal(
      'Authentication failed (AADSTS90014): A required field is missing from the request; check the profile (tenant, client id, scope).',
    )
    expect(fields(error)).to.deep.equal({
      correlationId: CORRELATION,
      oauthError: 'invalid_request',
      serverMessage: "The required field 'scope' is missing from the credential.",
      timestamp: STAMP,
      traceId: TRACE,
    })
  })

  it("keeps Entra's bracketed reason after the first sentence: it names the rejected thumbprint", () => {
    const text =
      "AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: 'AB12CD', Please visit the Azure Portal.] Review the docs."
    expect(serverReason(`${text}${tail}`)).to.equal(
      "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: 'AB12CD', Please visit the Azure Portal.]",
    )
  })

  it('shows no control characters or tokens the server put in its text', () => {
    const reason = serverReason(
      'AADSTS1: Bad \u001b[31mred\u001b[0m eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl here.',
    )
    // eslint-disable-next-line no-control-regex -- the very characters that must not get through
    expect(reason).not.to.match(/[\u0000-\u001f]/)
    expect(reason).not.to.include('eyJzdWIiOiIxIn0')
  })
})
