import { fileURLToPath } from 'node:url';

/** The documents the tests read (seed reports, real reports, portal snippets), kept in the repository. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const REAL_REPORTS = `${FIXTURES}real-reports`;
