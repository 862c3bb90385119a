/**
 * This repository's workspace packages as users get them: `npm pack` (whose prepack builds them) into a folder of
 * this test run, once per run however many test files ask. Installs from the tarballs are made with npm offline
 * (`OFFLINE_NPM`), in a private HOME whose npm cache is empty, so a package that would need the registry fails
 * the test here as it would fail on a machine without network.
 */
import {spawn} from 'node:child_process'
import {mkdirSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {outputOf, ROOT} from './cli.js'

export const OFFLINE_NPM: NodeJS.ProcessEnv = {
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_offline: 'true',
}

const packed = new Map<string, Promise<string>>()
const destination = join(ROOT, '.test-tmp', `packs-${process.pid}`)
process.once('exit', () => rmSync(destination, {force: true, recursive: true}))

/** The tarball of a workspace package (by its package name), packed on first use. */
export function packWorkspace(name: string): Promise<string> {
  let tarball = packed.get(name)
  if (!tarball) {
    // The workspace is linked into node_modules under its package name; npm names the tarball <name>-<version>.tgz.
    const {version} = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string
    }
    tarball = npm(['pack', '--workspace', name, '--pack-destination', destination], ROOT).then(() =>
      join(destination, `${name}-${version}.tgz`),
    )
    packed.set(name, tarball)
  }
  return tarball
}

/** Runs npm (the one on PATH, as a plugin author would), offline; resolves with its stdout. */
export function npm(args: string[], cwd: string): Promise<string> {
  mkdirSync(destination, {recursive: true})
  return run('npm', args, cwd)
}

/** Runs a program to completion; resolves with its stdout, rejects with its stderr. */
export async function run(command: string, args: string[], cwd: string): Promise<string> {
  const child = spawn(command, args, {cwd, env: {...process.env, ...OFFLINE_NPM}, stdio: ['ignore', 'pipe', 'pipe']})
  const {code, stderr, stdout} = await outputOf(child)
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}:\n${stdout}${stderr}`)
  return stdout
}
