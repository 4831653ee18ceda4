// A parse worker thread: extracts and parses one original per message with the real extractor and the
// shared parser, so a hostile original's time and memory are bounded by the pool (parse-pool.ts).
import { parentPort } from 'node:worker_threads';
import { extractOriginal, type OriginalHints } from '../extract/index.ts';
import { parseDocument } from '../parse/index.ts';

interface Job { id: number; bytes: Uint8Array; hints: OriginalHints; fileName: string | null; ocr: boolean }

const port = parentPort!;
port.on('message', async (m: Job) => {
  try {
    const doc = await extractOriginal(Buffer.from(m.bytes), m.hints, { ocr: m.ocr });
    port.postMessage({ id: m.id, record: parseDocument(doc, m.fileName ? { fileName: m.fileName } : {}) });
  } catch (err) {
    port.postMessage({ id: m.id, error: String((err as Error)?.message ?? err).split('\n')[0] });
  }
});
port.postMessage({ ready: true });
