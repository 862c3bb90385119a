import {Command} from '@oclif/core'
import {CliError, oneLine} from '../base/errors.js'
import {ExitCode} from '../base/exit-codes.js'
import {oclifHookSource, type HookSource} from '../extensions/registry.js'
import {privateCliHome} from '../base/paths.js'
import {wantsJson, writeError} from './error-output.js'
import {scrubTokens} from '../base/redact.js'

/**
 * What every entra-auth-cli command shares: where the data lives, how flows and stores are found, Ctrl-C handling,
 * and the error contract (one line on stderr, a documented exit code, never a stack trace for a known failure).
 */
export abstract class BaseCommand extends Command {
  private interruptController: AbortController | undefined

  /** The home, checked (refused when others can write to it) on first use by a command that needs it. */
  protected get home(): string {
    return privateCliHome()
  }

  protected get hooks(): HookSource {
    return oclifHookSource(this.config)
  }

  /**
   * Aborted on the first Ctrl-C so a waiting flow can clean up (close its listener) and exit 130. Only a command
   * that asks for this signal traps SIGINT; every other command keeps Node's default and stops at once.
   */
  protected get interrupt(): AbortSignal {
    if (!this.interruptController) {
      const controller = new AbortController()
      this.interruptController = controller
      process.once('SIGINT', () => controller.abort(new CliError('Interrupted.', ExitCode.Interrupted, 'INTERRUPTED')))
    }
    return this.interruptController.signal
  }

  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<void> {
    const json = wantsJson(this.argv)
    if (error instanceof CliError) {
      writeError(error, {json})
      process.exitCode = error.exitCode
      return
    }
    if (error.name === 'ExitPromptError' || error.name === 'AbortPromptError') {
      process.stderr.write('Cancelled; nothing was changed.\n')
      process.exitCode = ExitCode.Interrupted
      return
    }
    // oclif's parse errors (unknown flag, missing value): one line and the help to read, not a page of usage.
    if (error.oclif?.exit === ExitCode.Usage) {
      const reason = (error.message ?? '')
        .split('\n')
        .map((line) => line.replace(/^\s*›?\s*/, '').trim())
        .filter(
          (line) =>
            line && !/^The following errors? occurred:?$/.test(line) && !/^See more help with --help$/.test(line),
        )
      const message = `${reason.join('; ').replace(/\.$/, '')}. See '${this.config.bin} ${this.id?.replaceAll(':', ' ') ?? ''} --help'.`
      writeError(new CliError(message, ExitCode.Usage, 'USAGE'), {json})
      process.exitCode = ExitCode.Usage
      return
    }
    if (error.oclif?.exit !== undefined) throw error
    writeError(new CliError(scrubTokens(oneLine(error.message || String(error)))), {json})
    if (process.env.DEBUG) process.stderr.write(`${scrubTokens(error.stack ?? '')}\n`)
    process.exitCode = ExitCode.Failure
  }
}
