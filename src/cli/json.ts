/**
 * JSON as every command prints it: snake_case keys (`run_id`, `reports_found`), whatever the TypeScript
 * names inside. One helper, so status, verify, reparse, run and crawl speak the same way.
 */

/** `reportsFound` → `reports_found`; a key that is not a camelCase word (`region:110000`, `d-1|2023`) is data and stays. */
export function snakeKey(key: string): string {
  return /^[a-z][A-Za-z0-9]*$/.test(key) ? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : key;
}

/** A copy with every object key in snake_case, at any depth; arrays, strings, numbers, null as they are. */
export function snakeCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeCaseKeys);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [snakeKey(k), snakeCaseKeys(v)]));
  }
  return value;
}

/** The JSON text a command prints: snake_case keys; `indent` for documents people read. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(snakeCaseKeys(value), null, indent) + '\n';
}
