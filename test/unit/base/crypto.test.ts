import {expect} from 'chai'
import {deriveKey, newKdfParams, newKey, open, seal} from '../../../src/base/crypto.js'

describe('crypto', () => {
  it('opens what it sealed; a changed byte, another key or another context fails', async () => {
    const key = newKey()
    const box = seal(key, 'payload', 'ctx')
    expect(open(key, box, 'ctx')).to.equal('payload')
    expect(() => open(newKey(), box, 'ctx')).to.throw()
    expect(() => open(key, box, 'other ctx')).to.throw()
    const data = Buffer.from(box.data, 'base64')
    data[0] ^= 1
    expect(() => open(key, {...box, data: data.toString('base64')}, 'ctx')).to.throw()
    const params = newKdfParams(2 ** 10)
    expect((await deriveKey('pass', params)).equals(await deriveKey('pass', params))).to.equal(true)
    expect((await deriveKey('pass', params)).equals(await deriveKey('Pass', params))).to.equal(false)
  })
})
