import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {BIN} from '../../../src/base/product.js'
import {ROOT} from '../../support/cli.js'

describe('base/product', () => {
  it('names the command as package.json does (oclif.bin, the name commands get from this.config.bin)', () => {
    const pjson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>
      oclif: {bin: string}
    }
    expect(BIN).to.equal(pjson.oclif.bin)
    expect(Object.keys(pjson.bin)).to.deep.equal([BIN])
  })
})
