import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {constants} from 'node:os'
import {CliError} from '../base/errors.js'
import {ExitCode} from '../base/exit-codes.js'
import {printable} from '../base/text.js'

export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/**
 * Whether this process is in the foreground process group of its terminal, on Linux from /proc/self/stat (pgrp and
 * tpgid, fields 5 and 8); elsewhere, whether stdin is a terminal. The child shares our process group, so a Ctrl-C
 * typed there has reached it already: forwarding it as well would interrupt it twice.
 */
export function inTerminalForeground(): boolean {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const [pgrp, ttyNr, tpgid] = [Number(fields[2]), Number(fields[4]), Number(fields[5])]
    return ttyNr !== 0 && tpgid === pgrp
  } catch {
    return Boolean(process.stdin.isTTY)
  }
}

/**
 * Runs a command with stdin, stdout and stderr passed through and `env` as its whole environment, and answers its
 * exit status as a shell reports it: the code it exited with, or 128 + the number of the signal that killed it.
 * SIGINT, SIGTERM and SIGHUP sent to us go on to the child (SIGINT not when a terminal's Ctrl-C reached both of us),
 * and we wait for it to finish: the child decides what a signal means.
 */
export async function runChild(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(command, args, {env, stdio: 'inherit'})
  const handlers = FORWARDED_SIGNALS.map((signal) => {
    const handler = () => {
      if (signal === 'SIGINT' && inTerminalForeground()) return
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    }
    process.on(signal, handler)
    return () => process.off(signal, handler)
  })
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', (error: NodeJS.ErrnoException) => {
        // spawn failed: the child never ran (no 'exit' follows).
        const what = printable(command, 200)
        if (error.code === 'ENOENT')
          reject(
            new CliError(
              `Command not found: ${what}; check its name, or give its path.`,
              ExitCode.CommandNotFound,
              'COMMAND_NOT_FOUND',
            ),
          )
        else if (error.code === 'EACCES')
          reject(
            new CliError(
              `Cannot run ${what}: permission denied (is it executable?).`,
              ExitCode.CommandNotExecutable,
              'COMMAND_NOT_EXECUTABLE',
            ),
          )
        else
          reject(
            new CliError(
              `Cannot run ${what}: ${printable(error.message)}.`,
              ExitCode.CommandNotExecutable,
              'COMMAND_FAILED',
            ),
          )
      })
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)))
    })
  } finally {
    for (const remove of handlers) remove()
  }
}
