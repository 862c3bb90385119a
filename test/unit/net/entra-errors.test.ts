import {expect} from 'chai'
import {adviceForEntraError} from '../../../src/net/entra-errors.js'

describe('Entra errors', () => {
  it('turns an AADSTS error body into one line of advice naming the profile', () => {
    const error = adviceForEntraError({error: 'invalid_client', error_codes: [7000215], error_description: 'AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x'}, 'prod')
    expect(error?.message).to.equal("Authentication failed (AADSTS7000215): Invalid client secret: it is wrong or expired, or it is the secret's ID instead of its value. Store the new value with: entra-auth-cli config edit -p prod --client-secret-stdin.")
    expect(error?.exitCode).to.equal(4)
    const unknown = adviceForEntraError({error: 'invalid_request', error_description: 'AADSTS123456: Something new.\r\nTrace ID: y'})
    expect(unknown?.message).to.equal('Authentication failed (AADSTS123456): The identity provider refused the request. Something new.')
  })
})
