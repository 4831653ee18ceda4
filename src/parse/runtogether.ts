import type { PrintedValue } from './values.ts';

/**
 * Cells printed with no separator ("21710000218" for a row of seven): every way to cut the printed
 * digit runs into exactly `n` numbers (no leading zeros), keeping the printed runs' order and never
 * cutting across a separator. A cell that closes an identity (a row's 总计 after its six parts, table
 * 四's 总计 after its four) must print the sum of its parts, so it is not guessed but checked: the
 * search only follows cuts where the printed digits say exactly that sum. What the identities do not
 * fix is left to the other rows (column identities) or marked uncertain by the caller.
 */
export interface RowIdentityLike {
  left: number[];
  right: number[];
}

export interface DigitSplit {
  slots: PrintedValue[];
  /** Per column: whether its text is part of a printed run that was cut. */
  split: boolean[];
}

const MAX_SPLITS = 5_000;
const MAX_STEPS = 40_000;

const isRun = (s: PrintedValue) => s.kind === 'number' && /^\d+$/.test(s.text);

export function runTogetherSplits(printed: PrintedValue[], n: number, identities: RowIdentityLike[]): { splits: DigitSplit[]; exhaustive: boolean } {
  const splits: DigitSplit[] = [];
  let steps = 0;
  let exhaustive = true;
  const values: (number | null)[] = [];
  const texts: PrintedValue[] = [];
  const from: number[] = [];
  // For each column, the identities it closes (it is their highest column).
  const closes = Array.from({ length: n }, (_, i) => identities.filter((id) => Math.max(...id.left, ...id.right) === i));
  const forced = (i: number): number | null | undefined => {
    for (const id of closes[i]!) {
      const cells = [...id.left.map((c) => [c, 1] as const), ...id.right.map((c) => [c, -1] as const)];
      if (cells.some(([c]) => c !== i && values[c] === null)) continue; // a blank cell: the identity says nothing
      const sign = cells.find(([c]) => c === i)![1];
      const other = cells.reduce((s, [c, sg]) => (c === i ? s : s + sg * values[c]!), 0);
      return -other * sign;
    }
    return undefined;
  };
  const rec = (i: number, j: number, off: number): void => {
    if (splits.length >= MAX_SPLITS || ++steps > MAX_STEPS) {
      exhaustive = false;
      return;
    }
    if (i === n) {
      if (j === printed.length) {
        const pieces = new Map<number, number>();
        for (const f of from) pieces.set(f, (pieces.get(f) ?? 0) + 1);
        splits.push({ slots: [...texts], split: from.map((f) => pieces.get(f)! > 1) });
      }
      return;
    }
    if (j >= printed.length || n - i < printed.length - j) return;
    const slot = printed[j]!;
    const want = forced(i);
    const take = (v: PrintedValue, nextJ: number, nextOff: number) => {
      values[i] = v.kind === 'number' ? v.value : null;
      texts[i] = v;
      from[i] = j;
      rec(i + 1, nextJ, nextOff);
      values.length = i;
      texts.length = i;
      from.length = i;
    };
    if (!isRun(slot)) {
      if (want !== undefined && want !== null && slot.kind === 'number' && Math.abs(slot.value - want) > 1e-9) return;
      take(slot, j + 1, 0);
      return;
    }
    const rest = slot.text.slice(off);
    // Digits left after this cell must still give every later column at least one digit of this run or a later slot.
    for (let len = 1; len <= rest.length; len++) {
      const piece = rest.slice(0, len);
      if (len > 1 && piece[0] === '0') break;
      if (want !== undefined && want !== null && piece !== String(want)) continue;
      const done = off + len === slot.text.length;
      take({ kind: 'number', value: Number(piece), text: piece }, done ? j + 1 : j, done ? 0 : off + len);
    }
  };
  rec(0, 0, 0);
  return { splits, exhaustive };
}

/** Whether a row's printed values hold digit runs that could be several cells. */
export function hasRuns(printed: PrintedValue[], n: number): boolean {
  return printed.length < n && printed.some((s) => isRun(s) && s.text.length >= 2);
}
