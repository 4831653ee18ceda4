import { fileURLToPath } from 'node:url';

/** `../shared` beside the repository: the seed reports, real reports and notes the project began from. */
export const SHARED = fileURLToPath(new URL('../../../shared/', import.meta.url));
export const REAL_REPORTS = `${SHARED}real-reports`;
