import type { PrintedValue } from './values.ts';

/**
 * Placing the printed numbers of a row into its columns. Real extractions lose cells, add stray ones,
 * and run digits together, so every placement that could explain the printed numbers is a candidate;
 * the accounting identities (and, where blanks are visible, the positions) choose among them.
 */

/** `sum(left) = sum(right)` over column indexes of one row. */
export interface RowIdentity {
  left: number[];
  right: number[];
}

export interface Candidate {
  values: (number | null)[];
  texts: (string | null)[];
  inferred: boolean[];
  /** Cells whose digits came from splitting a run-together number. */
  split: boolean[];
  /** Preference when the identities cannot decide: positions seen in the source. */
  prior: number;
  /** Printed tokens this placement leaves out. */
  dropped: string[];
}

const MAX_CANDIDATES = 2_000;

type Slot = PrintedValue | { kind: 'gap' };

export function rowCandidates(
  printed: PrintedValue[],
  n: number,
  identities: RowIdentity[],
  positional: boolean,
): Candidate[] {
  const out: Candidate[] = [];
  let slots: PrintedValue[] = [...printed];
  // Blank cells beyond the row's columns are layout (a 4-wide grid holding a 1-column row).
  while (slots.length > n && slots[slots.length - 1]!.kind === 'blank') slots = slots.slice(0, -1);
  while (slots.length > n && slots[0]!.kind === 'blank') slots = slots.slice(1);
  for (const variant of splitVariants(slots, n)) {
    if (out.length >= MAX_CANDIDATES) break;
    for (const arranged of arrangements(variant.slots, n, positional)) {
      const c = resolve(arranged.slots, variant.split, identities);
      if (!c) continue;
      c.prior = arranged.prior + (variant.split.some(Boolean) ? -1 : 0);
      c.dropped = arranged.dropped;
      out.push(c);
      if (out.length >= MAX_CANDIDATES) break;
    }
  }
  return out;
}

interface Variant {
  slots: PrintedValue[];
  split: boolean[];
}

/** The printed slots as they are, and, when numbers are missing, with one run-together number split. */
function* splitVariants(slots: PrintedValue[], n: number): Generator<Variant> {
  yield { slots, split: slots.map(() => false) };
  const missing = n - slots.length;
  if (missing <= 0) return;
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i]!;
    if (s.kind !== 'number' || !/^\d{2,}$/.test(s.text)) continue;
    // Most parts first: a split that fills every column explains all the digits with nothing inferred.
    for (let parts = Math.min(missing + 1, s.text.length); parts >= 2; parts--) {
      for (const pieces of digitSplits(s.text, parts)) {
        const pieceSlots: PrintedValue[] = pieces.map((p) => ({ kind: 'number', value: Number(p), text: p }));
        yield {
          slots: [...slots.slice(0, i), ...pieceSlots, ...slots.slice(i + 1)],
          split: [...slots.slice(0, i).map(() => false), ...pieces.map(() => true), ...slots.slice(i + 1).map(() => false)],
        };
      }
    }
  }
}

/** Ways to cut a digit string into `parts` numbers without leading zeros. */
export function* digitSplits(digits: string, parts: number): Generator<string[]> {
  if (parts === 1) {
    if (digits.length === 1 || digits[0] !== '0') yield [digits];
    return;
  }
  for (let len = 1; len <= digits.length - parts + 1; len++) {
    const head = digits.slice(0, len);
    if (len > 1 && head[0] === '0') break;
    for (const rest of digitSplits(digits.slice(len), parts - 1)) yield [head, ...rest];
  }
}

interface Arrangement {
  slots: (Slot & { split?: boolean })[];
  prior: number;
  dropped: string[];
}

/** Every way to put the printed slots, in order, into n columns: gaps where too few, drops where too many. */
function* arrangements(slots: PrintedValue[], n: number, positional: boolean): Generator<Arrangement> {
  const k = slots.length;
  if (k === n) {
    yield { slots, prior: 1, dropped: [] };
    return;
  }
  if (k > n) {
    for (const drop of combinations(k, k - n)) {
      const keep = slots.filter((_, i) => !drop.includes(i));
      yield { slots: keep, prior: 0, dropped: drop.map((i) => slots[i]!.text) };
    }
    return;
  }
  for (const gaps of combinations(n, n - k)) {
    const arranged: Slot[] = [];
    let next = 0;
    for (let col = 0; col < n; col++) arranged.push(gaps.includes(col) ? { kind: 'gap' } : slots[next++]!);
    // A label overlapping the first data cells (tab and grid sources) means the lost cells are on the left.
    const leftGaps = gaps.every((g, i) => g === i);
    yield { slots: arranged, prior: positional && leftGaps ? 1 : 0, dropped: [] };
  }
}

function* combinations(n: number, k: number): Generator<number[]> {
  const idx = Array.from({ length: k }, (_, i) => i);
  if (k > n) return;
  if (k === 0) {
    yield [];
    return;
  }
  for (;;) {
    yield [...idx];
    let i = k - 1;
    while (i >= 0 && idx[i] === n - k + i) i--;
    if (i < 0) return;
    idx[i]!++;
    for (let j = i + 1; j < k; j++) idx[j] = idx[j - 1]! + 1;
  }
}

/** Values of one arrangement, gaps restored from the row identities where they determine them. */
function resolve(slots: Slot[], splitFlags: boolean[], identities: RowIdentity[]): Candidate | null {
  const values: (number | null | undefined)[] = slots.map((s) => (s.kind === 'number' ? s.value : s.kind === 'blank' ? null : undefined));
  const texts = slots.map((s) => (s.kind === 'gap' ? null : s.text));
  const inferred = slots.map(() => false);
  let splitIdx = 0;
  const split = slots.map((s) => (s.kind === 'gap' ? false : splitFlags[splitIdx++] ?? false));
  for (let changed = true; changed; ) {
    changed = false;
    for (const id of identities) {
      const cells = [...id.left.map((i) => [i, 1] as const), ...id.right.map((i) => [i, -1] as const)];
      const gaps = cells.filter(([i]) => values[i] === undefined);
      if (!gaps.length || cells.some(([i]) => values[i] === null)) continue;
      const known = cells.reduce((s, [i, sign]) => s + (values[i] === undefined ? 0 : sign * values[i]!), 0);
      if (gaps.length === 1) {
        const [i, sign] = gaps[0]!;
        const v = -known * sign;
        if (v < 0 || !Number.isInteger(v)) return null;
        values[i] = v;
        inferred[i] = true;
        changed = true;
      } else if (known === 0 && gaps.every(([, sign]) => sign === gaps[0]![1])) {
        // Several lost cells on one side of a balanced identity: counts are never negative, so all are 0.
        for (const [i] of gaps) {
          values[i] = 0;
          inferred[i] = true;
        }
        changed = true;
      }
    }
  }
  return {
    values: values.map((v) => (v === undefined ? null : v)),
    texts,
    inferred,
    split,
    prior: 0,
    dropped: [],
  };
}

/** +1 for each identity that holds, -1 for each that fails; identities with unknown cells count 0. */
export function identityScore(values: (number | null)[], identities: RowIdentity[], inferred?: boolean[]): number {
  let score = 0;
  for (const id of identities) {
    const cells = [...id.left, ...id.right];
    if (cells.some((i) => values[i] === null)) continue;
    // An identity that only holds because a cell was restored from it proves nothing.
    if (inferred && cells.some((i) => inferred[i])) continue;
    const l = id.left.reduce((s, i) => s + values[i]!, 0);
    const r = id.right.reduce((s, i) => s + values[i]!, 0);
    score += Math.abs(l - r) < 1e-9 ? 1 : -1;
  }
  return score;
}
