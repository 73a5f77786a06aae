/**
 * Cross-checks on the words and references of guidance items that the zod schema cannot express, run by
 * loadContent and so by `safecall content check`. Each problem is "file: item: field: message".
 */
import { CALL_PLATFORMS, type CallPlatform, type GuidanceItem, type PlatformSteps, type SourcesFile } from '../core/guidance/schema.js';

/** Abbreviations a teacher may not know: spelled out at their first use in each text a teacher may see first. */
const ABBREVIATIONS: Record<string, string> = {
  DPO: 'data protection officer',
  DPIA: 'data protection impact assessment',
};

/**
 * Reads like a placeholder for the school's name ("Your school's helper"): the name comes from the settings,
 * so guidance says "the school", "your school" or "IT" instead.
 */
const SCHOOL_POSSESSIVE = /\byour school's\b/i;

/** A piece of text a teacher may read on its own, and the field it came from. */
interface Shown {
  field: string;
  text: string;
}

/**
 * The texts of an item that a card may show first, each on its own: a card can open with the steps
 * (setup), the alternative (a platform with no such setting) or the if-you-can't-find-it panel, so each
 * must stand alone. `where` is shown just before the steps, so they count as one text.
 */
function shownTexts(item: GuidanceItem): Shown[] {
  const out: Shown[] = [
    { field: 'title', text: item.title },
    ...(item.recurringTitle ? [{ field: 'recurringTitle', text: item.recurringTitle }] : []),
    { field: 'why', text: item.why },
    ...item.sources.map((s, i) => ({ field: `sources.${i}.part`, text: s.part })),
  ];
  for (const p of CALL_PLATFORMS) {
    const s = item.platforms[p];
    const where = s.where ? `${s.where}\n` : '';
    out.push({ field: `platforms.${p}.steps`, text: where + s.steps.join('\n') });
    if (s.recurringSteps) out.push({ field: `platforms.${p}.recurringSteps`, text: where + s.recurringSteps.join('\n') });
    if (s.alternative) out.push({ field: `platforms.${p}.alternative`, text: s.alternative });
    out.push({ field: `platforms.${p}.ifNotFound`, text: s.ifNotFound });
  }
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The wording rules: one name per source document, abbreviations spelled out, no "your school's". */
export function checkWording(item: GuidanceItem, sources: SourcesFile, where: string, problems: string[]): void {
  const otherNames = sources.documents.flatMap((d) => (d.otherNames ?? []).map((n) => ({ n, id: d.id })));
  for (const { field, text } of shownTexts(item)) {
    for (const { n, id } of otherNames) {
      if (new RegExp(`\\b${escape(n)}\\b`, 'i').test(text)) problems.push(`${where}: ${field}: calls a source "${n}"; use its one name (strings sources.${id})`);
    }
    if (SCHOOL_POSSESSIVE.test(text)) problems.push(`${where}: ${field}: says "your school's"; say "the school", "your school" or "IT"`);
    for (const [abbr, full] of Object.entries(ABBREVIATIONS)) {
      const first = new RegExp(`\\b${abbr}\\b`).exec(text);
      if (first && !text.slice(0, first.index).toLowerCase().endsWith(`${full} (`)) {
        problems.push(`${where}: ${field}: "${abbr}" is not spelled out at its first use: write "${full} (${abbr})"`);
      }
    }
  }
}

/**
 * The vendor's own sites, per platform: a reference's page must be on one of these hosts (or a subdomain of
 * one). Third-party pages (school and university help desks, blogs, mirrors) are leads to a vendor page, never
 * a reference. zoom.us is Zoom's own domain (its web portal and former help centre, support.zoom.us);
 * cloud.google.com carries Google's own Meet API reference, as developers.google.com does.
 */
export const VENDOR_HOSTS: Record<CallPlatform, readonly string[]> = {
  zoom: ['zoom.com', 'zoom.us'],
  teams: ['support.microsoft.com', 'learn.microsoft.com'],
  meet: ['support.google.com', 'workspaceupdates.googleblog.com', 'developers.google.com', 'cloud.google.com'],
};

/** Whether a page's address is on the platform vendor's own site. */
export function isVendorPage(platform: CallPlatform, url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return false;
  }
  return VENDOR_HOSTS[platform].some((d) => host === d || host.endsWith(`.${d}`));
}

/** The reference rules of content/sources.yaml: each page is the vendor's own. (Address, date and quotes are the schema's.) */
export function checkReferences(sources: SourcesFile, problems: string[]): void {
  for (const r of sources.references) {
    if (!isVendorPage(r.platform, r.url)) {
      problems.push(`sources.yaml: ${r.id}: url: ${new URL(r.url).hostname} is not ${r.platform}'s own site (${VENDOR_HOSTS[r.platform].join(', ')}); a third-party page is a lead to the vendor's page, not a source`);
    }
  }
}

/** Words of a text that name something on the teacher's screen: **bold**, or in double quotes. */
export function namedSettings(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(/\*\*(.+?)\*\*|"([^"\n]+)"|\u201c([^\u201d\n]+)\u201d/g)) names.push((m[1] ?? m[2] ?? m[3])!);
  // Icons (…, ⋮, ^) name a button by its look, not by words a vendor page could contain.
  return names.filter((n) => /\p{L}/u.test(n));
}

/** Case, typographic quotes, spacing and a closing "?" or ":" do not make two names differ. */
export const normaliseName = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/\s+/g, ' ')
    .replace(/[?:.\s]+$/, '')
    .trim();

/** The texts of a platform block a teacher may see, with the field each came from. */
export function blockTexts(s: PlatformSteps): { field: string; text: string }[] {
  return [
    ...(s.where ? [{ field: 'where', text: s.where }] : []),
    ...s.steps.map((text, i) => ({ field: `steps.${i}`, text })),
    ...(s.recurringSteps ?? []).map((text, i) => ({ field: `recurringSteps.${i}`, text })),
    ...(s.alternative ? [{ field: 'alternative', text: s.alternative }] : []),
    { field: 'ifNotFound', text: s.ifNotFound },
  ];
}

/**
 * Every setting a block names is in the vendor's words: each **bold** or quoted name is contained in a quote of
 * one of the block's references. A step no vendor page confirms says what to look for in plain words, and its
 * block is marked `unconfirmed`.
 */
export function checkNamedSettings(item: GuidanceItem, sources: SourcesFile, where: string, problems: string[]): void {
  const quotes = new Map(sources.references.map((r) => [r.id, r.quotes.map(normaliseName)]));
  for (const p of CALL_PLATFORMS) {
    const s = item.platforms[p];
    const cited = s.refs.flatMap((r) => quotes.get(r) ?? []);
    for (const { field, text } of blockTexts(s)) {
      for (const name of namedSettings(text)) {
        if (cited.some((q) => q.includes(normaliseName(name)))) continue;
        problems.push(
          `${where}: platforms.${p}.${field}: names "${name}", which no quote of its references (${s.refs.join(', ') || 'none'}) contains; quote the vendor's page in sources.yaml, or say in plain words what to look for and set unconfirmed: true`,
        );
      }
    }
  }
}

/**
 * The reference rules: a block that says the platform has a control (`where`, or support full or partial)
 * cites a vendor page or is marked unconfirmed; an admin's setting says where it is, for the list a teacher
 * passes to IT; recurring-class steps are only for items a recurring class gets.
 */
export function checkPlatformBlocks(item: GuidanceItem, where: string, problems: string[]): void {
  for (const p of CALL_PLATFORMS) {
    const s = item.platforms[p];
    if (s.where && s.refs.length === 0 && !s.unconfirmed) {
      problems.push(`${where}: platforms.${p}.refs: "where" states a setting as fact with no reference; cite one or set unconfirmed: true`);
    } else if (s.support !== 'none' && s.refs.length === 0 && !s.unconfirmed) {
      problems.push(`${where}: platforms.${p}.refs: support ${s.support} says ${p} has a control for this, with no reference; cite one or set unconfirmed: true`);
    }
    if (s.setBy === 'admin' && !s.where) problems.push(`${where}: platforms.${p}.where: an admin's setting needs "where", for the list passed to IT`);
    if (s.recurringSteps && item.callKinds && !item.callKinds.includes('class')) {
      problems.push(`${where}: platforms.${p}.recurringSteps: the item is not for recurring classes (callKinds)`);
    }
  }
}
