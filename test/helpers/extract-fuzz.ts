/**
 * Fuzzing of extract + parse: mutated originals (byte flips, truncations, splices of two fixtures,
 * repeated and zeroed ranges, and edits inside a DOCX's document.xml re-zipped) through the real
 * extractor and shared parser, in the reparse worker pool with its per-document time limit. A thrown
 * Error is an acceptable answer; a crashed worker (uncaught exception, unhandled rejection, out of
 * memory) or a document that hits the time limit is a finding. Seeded, so a finding can be replayed.
 * Used by test/extract-fuzz.test.ts (a couple of thousand inputs) and bench/fuzz.ts (as many as asked).
 */
import { ParsePool } from '../../src/pipeline/index.ts';
import { membersOf, zipOf, type ZipMember } from './badfiles.ts';
import { rng } from './random.ts';

export interface Seed {
  name: string;
  bytes: Buffer;
}

export interface FuzzInput {
  id: number;
  /** How it was made, enough to rebuild it: "report.pdf flip×3 @seed 7/123". */
  how: string;
  bytes: Buffer;
}

export type Outcome = 'parsed' | 'error' | 'crash' | 'hang';

export interface FuzzResult {
  inputs: number;
  outcomes: Record<Outcome, number>;
  /** Distinct error messages with counts (numbers and quoted names blurred so alike errors group). */
  errors: Map<string, number>;
  findings: Array<{ how: string; outcome: Outcome; message: string }>;
  slowest: { how: string; ms: number };
  elapsedMs: number;
}

const pick = <T>(xs: readonly T[], r: () => number): T => xs[Math.floor(r() * xs.length)]!;
const int = (n: number, r: () => number) => Math.floor(r() * n);

const PIECES = ['<', '>', '</table>', '<tr>', '<td rowspan="99999">', '&#0;', '\u0000', 'obj', 'endobj', 'stream', 'endstream', '/Length 999999999', 'xref', 'trailer', '%%EOF', '<w:tbl>', '<w:gridSpan w:val="9999"/>', '<w:vMerge/>', '99999999999999999999'];

/** One mutation of one seed's bytes; returns the bytes and a description. */
function mutateBytes(seed: Seed, all: Seed[], r: () => number): { bytes: Buffer; how: string } {
  const b = Buffer.from(seed.bytes);
  const op = int(7, r);
  if (op === 0) {
    const n = 1 + int(20, r);
    for (let i = 0; i < n; i++) b[int(b.length, r)] = int(256, r);
    return { bytes: b, how: `flip×${n}` };
  }
  if (op === 1) {
    const at = int(b.length, r);
    return { bytes: b.subarray(0, at), how: `truncate@${at}` };
  }
  if (op === 2) {
    const other = pick(all, r);
    const at = int(b.length, r);
    const from = int(other.bytes.length, r);
    return { bytes: Buffer.concat([b.subarray(0, at), other.bytes.subarray(from)]), how: `splice@${at}+${other.name}@${from}` };
  }
  if (op === 3) {
    const at = int(b.length, r);
    const len = 1 + int(4096, r);
    return { bytes: Buffer.concat([b.subarray(0, at + len), b.subarray(at)]), how: `repeat@${at}+${len}` };
  }
  if (op === 4) {
    const at = int(b.length, r);
    const len = 1 + int(2048, r);
    b.fill(0, at, Math.min(b.length, at + len));
    return { bytes: b, how: `zero@${at}+${len}` };
  }
  if (op === 5) {
    const at = int(b.length, r);
    const piece = Buffer.from(pick(PIECES, r));
    return { bytes: Buffer.concat([b.subarray(0, at), piece, b.subarray(at)]), how: `insert@${at}` };
  }
  const at = int(b.length, r);
  const len = int(b.length - at, r);
  return { bytes: Buffer.concat([b.subarray(0, at), b.subarray(at + len)]), how: `cut@${at}+${len}` };
}

/** Seeds with their inner XML, so DOCX mutations can reach mammoth instead of dying at the ZIP check. */
export async function zipInnards(seed: Seed): Promise<ZipMember[] | null> {
  if (seed.bytes.readUInt32LE(0) !== 0x04034b50) return null;
  try { return await membersOf(seed.bytes); } catch { return null; }
}

export async function* fuzzInputs(seeds: Seed[], count: number, seed: number): AsyncGenerator<FuzzInput> {
  const innards = new Map<string, ZipMember[] | null>();
  for (const s of seeds) innards.set(s.name, await zipInnards(s));
  for (let id = 0; id < count; id++) {
    const r = rng(seed * 1_000_003 + id);
    const s = pick(seeds, r);
    const members = innards.get(s.name);
    if (members && r() < 0.5) {
      // Edit one XML member and zip it again: a well-formed ZIP with a damaged document inside.
      const xmlMembers = members.filter((m) => /\.xml$/.test(m.name));
      const target = pick(xmlMembers, r);
      const self = { name: target.name, bytes: target.data! };
      const { bytes, how } = mutateBytes(self, [self], r);
      const rezipped = zipOf(members.map((m) => (m === target ? { name: m.name, data: bytes } : m)));
      yield { id, how: `${s.name}:${target.name} ${how} @seed ${seed}/${id}`, bytes: rezipped };
    } else {
      const { bytes, how } = mutateBytes(s, seeds, r);
      yield { id, how: `${s.name} ${how} @seed ${seed}/${id}`, bytes };
    }
  }
}

/** Blurs an error message so alike errors group: numbers and quoted names replaced. */
const blur = (m: string) => m.replace(/"[^"]*"/g, '"…"').replace(/\d+/g, 'N').slice(0, 140);

export async function runFuzz(seeds: Seed[], opts: { count: number; seed: number; workers: number; timeoutMs: number; onProgress?: (done: number) => void }): Promise<FuzzResult> {
  const started = Date.now();
  const pool = new ParsePool(opts.workers, { ocr: false, timeoutMs: opts.timeoutMs });
  const res: FuzzResult = {
    inputs: 0, outcomes: { parsed: 0, error: 0, crash: 0, hang: 0 }, errors: new Map(), findings: [], slowest: { how: '', ms: 0 }, elapsedMs: 0,
  };
  const inFlight = new Set<Promise<void>>();
  try {
    for await (const input of fuzzInputs(seeds, opts.count, opts.seed)) {
      const t = Date.now();
      const p = pool.parse(input.bytes, {}, null).then(
        () => { res.outcomes.parsed++; },
        (err: Error) => {
          const m = String(err?.message ?? err);
          const outcome: Outcome = /^extraction took longer than/.test(m) ? 'hang'
            : /^(parser worker (crashed|exited)|extraction ran out of memory)/.test(m) ? 'crash' : 'error';
          res.outcomes[outcome]++;
          if (outcome === 'error') res.errors.set(blur(m), (res.errors.get(blur(m)) ?? 0) + 1);
          else res.findings.push({ how: input.how, outcome, message: m });
        },
      ).then(() => {
        const ms = Date.now() - t;
        if (ms > res.slowest.ms) res.slowest = { how: input.how, ms };
        res.inputs++;
        opts.onProgress?.(res.inputs);
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      // Keep each worker busy with one more waiting, and no more inputs than that in memory.
      if (inFlight.size >= opts.workers * 2) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    await pool.close();
  }
  res.elapsedMs = Date.now() - started;
  return res;
}

export function summary(r: FuzzResult): string {
  const rate = r.inputs / (r.elapsedMs / 1000);
  const top = [...r.errors.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([m, n]) => `    ${String(n).padStart(5)}  ${m}`);
  return [
    `${r.inputs} inputs in ${(r.elapsedMs / 1000).toFixed(1)} s (${rate.toFixed(1)} inputs/s): ` +
      `${r.outcomes.parsed} parsed, ${r.outcomes.error} clear errors, ${r.outcomes.crash} crashes, ${r.outcomes.hang} hangs`,
    `  slowest: ${r.slowest.ms} ms (${r.slowest.how})`,
    '  most common errors:',
    ...top,
    ...r.findings.map((f) => `  FINDING ${f.outcome}: ${f.how}: ${f.message}`),
  ].join('\n');
}
