import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { UserError } from './errors.ts';
import { EXIT, exitCodesHelp } from './exit-codes.ts';
import { commands } from './commands/index.ts';
import { describeStorageFault } from '../store/faults.ts';

/** This program's version, as package.json gives it (the same path from src/cli and dist/cli). */
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Runs the command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('nianbao')
    .description('Collect, archive and parse 政府信息公开工作年度报告')
    .exitOverride()
    // One prefix for every error, commander's own (an unknown option, a missing argument) included.
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: (s, write) => write(s.replace(/^error: /, 'nianbao: ')) })
    .showHelpAfterError(false)
    .version(VERSION, '-V, --version', 'print the version of nianbao')
    .addHelpText('after', exitCodesHelp());
  let code = 0;
  for (const register of commands) register(program, (c) => { code = c; });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof UserError) {
      process.stderr.write(`nianbao: ${describeStorageFault(err) ?? err.message}\n`);
      return err.exitCode;
    }
    // A full disk or a write error reads the same from every command: one line, and exit 1.
    process.stderr.write(`nianbao: ${describeStorageFault(err) ?? String((err as Error)?.message ?? err).split('\n')[0]}\n`);
    if (process.env.NIANBAO_DEBUG) console.error(err);
    return EXIT.error;
  }
}
