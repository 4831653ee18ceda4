// A reparse worker thread: extracts and parses one original per message with the real extractor and the
// shared parser. Plain .mjs so it can register tsx itself (workers do not inherit the main thread's loader).
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { extractOriginal } = await import('../extract/index.ts');
const { parseDocument } = await import('../parse/index.ts');

parentPort.on('message', async (m) => {
  try {
    const doc = await extractOriginal(Buffer.from(m.bytes), m.hints, { ocr: m.ocr });
    const record = parseDocument(doc, m.fileName ? { fileName: m.fileName } : {});
    parentPort.postMessage({ id: m.id, record });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String(err?.message ?? err).split('\n')[0] });
  }
});
parentPort.postMessage({ ready: true });
