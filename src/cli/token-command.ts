import {parseDuration} from '../base/duration.js'
import type {Reporter, TokenResult} from '../contract/index.js'
import {parseScopes} from '../profile/model.js'
import {TokenService} from '../token/service.js'
import {BaseCommand} from './command-base.js'
import {terminalPrompts} from './prompts.js'
import {createReporter} from './reporter.js'

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

  /**
   * A token for env and exec, which print no status lines (only prompts and warnings): the profile, scopes, flow,
   * account and timeout their flags name.
   */
  protected async quietToken(flags: {
    account?: string
    flow?: string
    profile: string
    scope?: string[]
    timeout?: string
  }): Promise<TokenResult> {
    const {result} = await this.tokenService(createReporter({silent: true})).getToken({
      account: flags.account,
      flow: flags.flow,
      profile: flags.profile,
      scopes: parseScopes(flags.scope),
      timeoutMs: flags.timeout === undefined ? undefined : parseDuration(flags.timeout, '--timeout'),
    })
    return result
  }
}
