import type { Command } from 'commander';
import { registerParse } from './parse.ts';

/** Each command registers itself; `setExit` records the exit code the command wants. */
export type RegisterCommand = (program: Command, setExit: (code: number) => void) => void;

export const commands: RegisterCommand[] = [registerParse];
