import type { PrintedValue } from './values.ts';
import { hasRuns, runTogetherSplits } from './runtogether.ts';

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
  /** For cut digit runs: false when not every cut could be tried, so a cut cell cannot be certain. */
  exhaustive?: boolean;
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
  for (const arranged of arrangements(slots, n, positional)) {
    const c = resolve(arranged.slots, slots.map(() => false), identities);
    if (!c) continue;
    c.prior = arranged.prior;
    c.dropped = arranged.dropped;
    out.push(c);
    if (out.length >= MAX_CANDIDATES) break;
  }
  // Digits run together: every cut into n cells that the row's identities allow (see runtogether.ts).
  if (hasRuns(slots, n)) {
    let { splits, exhaustive } = runTogetherSplits(slots, n, identities);
    // A row that breaks its own identity has no such cut: then, for a row printed as one run with no
    // separator at all, the shape alone may decide (one cut, or several left uncertain). Where separators
    // show, a short row has more likely lost a cell than run two together.
    if (!splits.length && exhaustive && slots.length === 1) ({ splits, exhaustive } = runTogetherSplits(slots, n, []));
    // A cut explains every printed digit; reading the run as one number beside empty cells does not.
    if (splits.length) out.length = 0;
    for (const sp of splits.slice(0, MAX_CANDIDATES)) {
      const c = resolve(sp.slots, sp.split, identities);
      if (!c) continue;
      c.prior = 1;
      c.exhaustive = exhaustive;
      out.push(c);
    }
  }
  return out;
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
