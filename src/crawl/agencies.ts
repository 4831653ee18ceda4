/**
 * The agencies of a crawl as the handlers need them: by id, the seed URL each request is made for (the address
 * rule's class), the hosts whose reports an agency may own (spam mirrors copy gov pages), and whose report a
 * link is.
 *
 * Whose report: a report found in an agency's own column belongs to it unless the title (or the page) names
 * another unit. Names match across a government's forms (人民政府, 管理委员会, 管委会, 党工委管委会, or none) and
 * region prefixes; a unit named that matches no agency of the crawl is recorded under the name it prints.
 */
import type { Agency } from '../seeds/index.ts';
import { unitMatches } from './titles.ts';

export interface Owner {
  agencyId: string | null;
  /** The printed name, for a unit that is no agency of the crawl (a consolidated column lists many). */
  discovered: string | null;
}

export class AgencyBook {
  private readonly byId: Map<string, Agency>;
  private readonly children = new Map<string, Agency[]>();

  constructor(readonly all: Agency[]) {
    this.byId = new Map(all.map((a) => [a.agencyId, a]));
    for (const a of all) if (a.parentId) (this.children.get(a.parentId) ?? this.children.set(a.parentId, []).get(a.parentId)!).push(a);
  }

  get(id: string): Agency | undefined {
    return this.byId.get(id);
  }

  /** The seed URL requests for an agency are made for: its column, else its home page. */
  seedOf(agencyId: string): string | undefined {
    const a = this.byId.get(agencyId);
    return a?.reportListUrls[0] ?? a?.homeUrl ?? undefined;
  }

  /** Hosts of an agency's own seed URLs. */
  ownHosts(agencyId: string): Set<string> {
    const a = this.byId.get(agencyId);
    return new Set([a?.homeUrl, ...(a?.reportListUrls ?? [])].filter((u): u is string => !!u).map((u) => new URL(u).host.toLowerCase()));
  }

  /** Whether a name is a government of the book other than `except` (a page naming it is that government's site). */
  namesGovernment(name: string, except: string): boolean {
    return this.all.some((a) => a.kind === 'government' && a.agencyId !== except && unitMatches(name, a.name));
  }

  /** The agency a unit listed in a government's column already is: the same id, the government itself, or one filed under it by name. */
  knownUnit(parentId: string, unitId: string, name: string): Agency | undefined {
    const parent = this.byId.get(parentId);
    return this.byId.get(unitId) ?? [...(parent ? [parent] : []), ...(this.children.get(parentId) ?? [])].find((a) => unitMatches(name, a.name));
  }

  /**
   * Whose report a unit name denotes, found in a column serving `column` (the agencies a list page serves, the
   * first the one it was queued for). No unit: the column's own agency.
   */
  owner(unit: string | null, column: string[]): Owner {
    const own = column[0]!;
    if (!unit) return { agencyId: own, discovered: null };
    const served = column.find((id) => { const a = this.byId.get(id); return a && unitMatches(unit, a.name); });
    if (served) return { agencyId: served, discovered: null };
    const matches = this.all.filter((s) => unitMatches(unit, s.name));
    if (matches.length) {
      const a = this.byId.get(own);
      const near = matches.find((m) => m.parentId === own || m.parentId === a?.parentId || (a?.regionCode && m.regionCode === a.regionCode));
      return { agencyId: (near ?? matches[0]!).agencyId, discovered: null };
    }
    return { agencyId: null, discovered: unit };
  }
}
