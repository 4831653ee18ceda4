/**
 * What a portal platform module is: a declarative header (name, the notes it implements, example URLs, the
 * fingerprints that recognise its pages) and three functions of plain data: `detect` a page, `readList` (its
 * report links and its continuations), `follow` an API continuation's answer. No I/O: the crawl's handlers
 * fetch, the modules read.
 */
import type { CheerioAPI } from 'cheerio';
import type { PageLink } from '../links.ts';

export type { PageLink } from '../links.ts';

/** A list page as every platform reads it. */
export interface ListPageInput {
  html: string;
  /** The URL the page was read from (after redirects); a `#fragment` is kept (gkmlpt categories live there). */
  url: string;
  $: CheerioAPI;
  /** Every inline script's text, joined. */
  scripts: string;
  /** The page's `<base href>`, if any. */
  base?: string;
  /** What the first page of this list taught about its pager (e.g. one-based page numbers), carried to later pages. */
  memo?: PagerMemo;
}

/** Facts about a list's pager learnt on one page and needed on the next. */
export interface PagerMemo {
  /** The page number the first page calls itself (TRS `createPageHTML`: 0 or 1). */
  firstIndex?: 0 | 1;
}

/** Another page of the same list, fetched with a GET and read like the first. */
export interface PageContinuation {
  kind: 'page';
  url: string;
  /** The list declared it (a total the page states), as opposed to a "next" link found on it. */
  declared: boolean;
  memo?: PagerMemo;
}

/** A window of a platform's list API (Hanweb `dataproxy.jsp`, the gkmlpt JSON API), answered by the platform's `follow`. */
export interface ApiContinuation {
  kind: 'api';
  /** The platform whose `follow` reads the answer (and whose router label fetches it). */
  platform: string;
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  /** Where the window is and what the walk knows so far (plain JSON). */
  state: Record<string, string | number | boolean | null>;
  declared: boolean;
  /** A deliberate probe (a zero-based API's page 0 after an empty page 1): not counted as a barren page. */
  probe?: boolean;
}

export type Continuation = PageContinuation | ApiContinuation;

export interface ListReading {
  /** Links beyond the page's anchors (records in embedded XML or JSON, rows of a summary table); for a URL both give, this one's text wins. */
  links: PageLink[];
  continuations: Continuation[];
  /**
   * The list is built in the browser from something we cannot call ourselves: why, in words ("needs a browser:
   * list built by script from /api/…"). Read by the handler only when the page gave no report link.
   */
  needsBrowser?: string | null;
}

/** The answer to an API continuation. */
export interface ApiAnswer {
  status: number;
  text: string;
  url: string;
}

export interface Platform {
  /** Short key, recorded with every list page read (`agency_list_reads.platform`). */
  name: string;
  /** What people call it. */
  title: string;
  /** The notes and snippets this module implements (where its facts come from). */
  notes: string[];
  /** Real URLs of its list pages or reports (portals.md, snippets 01 and 04). */
  examples: string[];
  /** Any of these on a page says the page is this platform's. */
  fingerprints: RegExp[];
  detect(page: ListPageInput): boolean;
  readList(page: ListPageInput): ListReading;
  /** Reads an API continuation's answer: its links and the next window. */
  follow?(answer: ApiAnswer, cont: ApiContinuation): ListReading;
}

/** `detect` by fingerprints over the page's HTML and URL. */
export function byFingerprints(fingerprints: RegExp[]): (page: ListPageInput) => boolean {
  return (page) => fingerprints.some((re) => re.test(page.html) || re.test(page.url));
}
