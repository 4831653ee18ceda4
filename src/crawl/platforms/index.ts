/**
 * The platforms, in the order they are tried: the first whose `detect` accepts a page reads it; `generic`
 * accepts every page and comes last. Adding a platform is one module here plus its fixtures.
 */
import { anhui } from './anhui.ts';
import { eportal } from './eportal.ts';
import { generic } from './generic.ts';
import { gkmlpt } from './gkmlpt.ts';
import { hanweb } from './hanweb.ts';
import { lonsun } from './lonsun.ts';
import { shaanxi } from './shaanxi.ts';
import { summary } from './summary.ts';
import { trs } from './trs.ts';
import { ucap } from './ucap.ts';
import type { Platform } from './types.ts';

export const PLATFORMS: readonly Platform[] = [gkmlpt, hanweb, anhui, lonsun, eportal, shaanxi, ucap, trs, summary, generic];

export function platformNamed(name: string): Platform | undefined {
  return PLATFORMS.find((p) => p.name === name);
}

export { generic, summary };
export type { ApiAnswer, ApiContinuation, Continuation, ListPageInput, ListReading, PageContinuation, PagerMemo, Platform } from './types.ts';
