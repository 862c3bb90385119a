import type {Reporter} from '../contract/index.js'
import {TokenService} from '../token/service.js'
import {BaseCommand} from './command-base.js'
import {terminalPrompts} from './prompts.js'

/**
 * The commands that get a token (get-token, refresh, env, exec): one token service wired to this command's home,
 * hooks, Ctrl-C and terminal prompts. A class of its own so that commands that need no token do not load the token
 * service.
 */
export abstract class TokenCommand extends BaseCommand {
  protected tokenService(reporter: Reporter): TokenService {
    return new TokenService({
      home: this.home,
      hooks: this.hooks,
      interrupt: this.interrupt,
      prompt: terminalPrompts(),
      reporter,
    })
  }
}
