/**
 * Cross-checks on the words and references of guidance items that the zod schema cannot express, run by
 * loadContent and so by `safecall content check`. Each problem is "file: item: field: message".
 */
import { CALL_PLATFORMS, type GuidanceItem, type SourcesFile } from '../core/guidance/schema.js';

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
 * The reference rules, from the audit against PLATFORM-SETTINGS.md: a setting stated as fact (`where`) cites
 * a source, or is marked unconfirmed; an admin's setting says where it is, for the list a teacher passes to
 * IT; recurring-class steps are only for items a recurring class gets.
 */
export function checkPlatformBlocks(item: GuidanceItem, where: string, problems: string[]): void {
  for (const p of CALL_PLATFORMS) {
    const s = item.platforms[p];
    if (s.where && s.refs.length === 0 && !s.unconfirmed) {
      problems.push(`${where}: platforms.${p}.refs: "where" states a setting as fact with no reference; cite one or set unconfirmed: true`);
    }
    if (s.setBy === 'admin' && !s.where) problems.push(`${where}: platforms.${p}.where: an admin's setting needs "where", for the list passed to IT`);
    if (s.recurringSteps && item.callKinds && !item.callKinds.includes('class')) {
      problems.push(`${where}: platforms.${p}.recurringSteps: the item is not for recurring classes (callKinds)`);
    }
  }
}
