import { inflateSync } from 'node:zlib';

/** The record JSON text of a records row, whether stored plain (before migration 002) or compressed. */
export function recordJson(r: { json: string | null; json_z: Uint8Array | null }): string | null {
  if (r.json !== null) return r.json;
  return r.json_z ? inflateSync(r.json_z).toString('utf8') : null;
}
