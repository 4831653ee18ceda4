import type { Command } from 'commander';
import { registerCrawl } from './crawl.ts';
import { registerDashboard } from './dashboard.ts';
import { registerDiscover } from './discover.ts';
import { registerExport } from './export.ts';
import { registerMigrateStorage } from './migrate-storage.ts';
import { registerParse } from './parse.ts';
import { registerRegistry } from './registry.ts';
import { registerReparse } from './reparse.ts';
import { registerRun } from './run.ts';
import { registerStatus } from './status.ts';
import { registerVerify } from './verify.ts';
import { registerWarc } from './warc.ts';
import { registerWork } from './work.ts';

/** Each command registers itself; `setExit` records the exit code the command wants. */
export type RegisterCommand = (program: Command, setExit: (code: number) => void) => void;

export const commands: RegisterCommand[] = [registerCrawl, registerDiscover, registerParse, registerReparse, registerVerify, registerWarc, registerStatus, registerExport, registerDashboard, registerRun, registerRegistry, registerWork, registerMigrateStorage];
