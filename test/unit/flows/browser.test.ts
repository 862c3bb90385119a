import {expect} from 'chai'
import {chmodSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {browserCommand, shellWords} from '../../../src/flows/browser.js'
import {TestHome} from '../../support/cli.js'

describe('$BROWSER entries', () => {
  const url = 'https://login.example/authorize?a=1&b=2'
  let home: TestHome
  before(() => {
    home = new TestHome('entra-browser-')
  })
  after(() => home.cleanup())

  it('runs an entry that is an executable file as a whole, spaces and all (WSL: /mnt/c/Program Files/...)', () => {
    const dir = join(home.root, 'Program Files', 'Google Chrome')
    mkdirSync(dir, {recursive: true})
    const exe = join(dir, 'chrome.exe')
    writeFileSync(exe, '#!/bin/sh\n')
    chmodSync(exe, 0o755)
    expect(browserCommand(exe, url)).to.deep.equal({args: [url], file: exe})
    // Not executable: split like a shell would, so the first word is the program.
    chmodSync(exe, 0o644)
    expect(browserCommand(exe, url)).to.deep.equal({
      args: ['Files/Google', 'Chrome/chrome.exe', url],
      file: join(home.root, 'Program'),
    })
  })

  it('splits other entries shell-style, honouring quotes; the URL replaces %s or comes last', () => {
    expect(browserCommand('"/opt/My Browser/run" --new-window %s', url)).to.deep.equal({
      args: ['--new-window', url],
      file: '/opt/My Browser/run',
    })
    expect(browserCommand("'/opt/My Browser/run' --app=%s --x", url)).to.deep.equal({
      args: [`--app=${url}`, '--x'],
      file: '/opt/My Browser/run',
    })
    expect(browserCommand('/opt/My\\ Browser/run -new-tab', url)).to.deep.equal({
      args: ['-new-tab', url],
      file: '/opt/My Browser/run',
    })
    expect(browserCommand('  lynx  ', url)).to.deep.equal({args: [url], file: 'lynx'})
    expect(browserCommand('"/opt/My Browser/run', url)).to.deep.equal({
      error: `$BROWSER entry '"/opt/My Browser/run' has a quote that is never closed`,
    })
  })

  it('splits words like a POSIX shell and expands nothing', () => {
    expect(shellWords(`a "b c" 'd "e"' f\\ g "h\\"i" '' "$HOME" \`x\``)).to.deep.equal([
      'a',
      'b c',
      'd "e"',
      'f g',
      'h"i',
      '',
      '$HOME',
      '`x`',
    ])
    expect(shellWords('"x\\y"')).to.deep.equal(['x\\y'])
    expect(shellWords("'open")).to.equal(undefined)
  })
})
