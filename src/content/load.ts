/**
 * Reads content/ from disk, validates it with the zod schemas in core and cross-checks ids.
 * Any problem is reported as "file: item: field: message", all at once, so an editor can fix a batch.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative, basename } from 'node:path';
import jsYaml from 'js-yaml';
import { parse } from 'yaml';
import type { z } from 'zod';
import {
  documentSchema,
  guidanceItemSchema,
  measuresFileSchema,
  referenceSchema,
  sourcesFileSchema,
  CALL_PLATFORMS,
  type Guidance,
  type GuidanceItem,
} from '../core/guidance/schema.js';
import { flattenStrings, makeStrings, type Strings } from '../core/strings.js';
import { vocabularySchema, type Vocabulary } from '../core/guidance/vocabulary.js';
import { commandWordsSchema, type CommandWords } from '../core/commands.js';
import { checkNamedSettings, checkPlatformBlocks, checkReferences, checkWording } from './guidance-rules.js';

import { PROJECT_ROOT } from '../project-root.js';

export { PROJECT_ROOT };
export const CONTENT_DIR = join(PROJECT_ROOT, 'content');
export const DEFAULT_LOCALE = 'en-GB';

export interface Content {
  guidance: Guidance;
  strings: Strings;
  /** The language-specific search data (content/<locale>/search.yaml). */
  vocabulary: Vocabulary;
  /** The words that start each command (content/<locale>/commands.yaml). */
  commands: CommandWords;
}

export class ContentError extends Error {
  constructor(readonly problems: string[]) {
    super(`Content has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * js-yaml (YAML 1.2 core schema, the same values as `yaml` gives for our files) parses the content several
 * times faster, which is most of the content's share of start-up; a file it refuses is parsed again by
 * `yaml`, whose messages (line and column) are the ones content editors see.
 */
function readYaml(file: string, dir: string, problems: string[]): unknown {
  try {
    return jsYaml.load(readFileSync(file, 'utf8'), { schema: jsYaml.CORE_SCHEMA });
  } catch {
    // fall through to the parser with the clearer messages
  }
  try {
    return parse(readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(`${relative(dir, file)}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

function check<S extends z.ZodType>(schema: S, data: unknown, where: string, problems: string[]): z.infer<S> | undefined {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  for (const issue of r.error.issues) {
    const path = issue.path.length ? issue.path.join('.') : '(top level)';
    problems.push(`${where}: ${path}: ${issue.message}`);
  }
  return undefined;
}

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => join(dir, f));
}

export function loadContent(dir: string = CONTENT_DIR, locale: string = DEFAULT_LOCALE): Content {
  const problems: string[] = [];
  const rel = (f: string) => relative(dir, f);

  const measuresFile = join(dir, 'measures.yaml');
  const measures = check(measuresFileSchema, readYaml(measuresFile, dir, problems), rel(measuresFile), problems)?.measures ?? [];
  const sourcesFile = join(dir, 'sources.yaml');
  const rawSources = readYaml(sourcesFile, dir, problems);
  // A broken entry is reported once; the others are kept, so the items citing them are not reported as well.
  const sources = check(sourcesFileSchema, rawSources, rel(sourcesFile), problems) ?? salvageSources(rawSources);

  const items: GuidanceItem[] = [];
  for (const file of yamlFiles(join(dir, locale, 'guidance'))) {
    const raw = readYaml(file, dir, problems);
    const name = (raw as { id?: unknown } | undefined)?.id;
    const item = check(guidanceItemSchema, raw, `${rel(file)}: ${typeof name === 'string' ? name : '(no id)'}`, problems);
    if (!item) continue;
    if (basename(file).replace(/\.ya?ml$/, '') !== item.id) problems.push(`${rel(file)}: ${item.id}: id: must match the file name`);
    items.push(item);
  }

  const table: Record<string, string> = {};
  const stringProblems: string[] = [];
  for (const file of yamlFiles(join(dir, locale, 'strings'))) {
    const ns = basename(file).replace(/\.ya?ml$/, '');
    flattenStrings(ns, readYaml(file, dir, problems), table, stringProblems);
  }
  problems.push(...stringProblems.map((p) => `${locale}/strings: ${p}`));

  const vocabularyFile = join(dir, locale, 'search.yaml');
  let vocabulary: Vocabulary | undefined;
  if (existsSync(vocabularyFile)) vocabulary = check(vocabularySchema, readYaml(vocabularyFile, dir, problems), rel(vocabularyFile), problems);
  else problems.push(`${rel(vocabularyFile)}: missing (the search vocabulary)`);

  const commandsFile = join(dir, locale, 'commands.yaml');
  const commands = check(commandWordsSchema, readYaml(commandsFile, dir, problems), rel(commandsFile), problems);

  crossCheck({ measures, sources, items }, problems, locale);
  checkDocumentNames(sources, table, locale, problems);
  if (problems.length || !vocabulary || !commands) throw new ContentError(problems);

  return {
    guidance: { measures, sources, items, byId: new Map(items.map((i) => [i.id, i])) },
    strings: makeStrings(locale, table),
    vocabulary,
    commands,
  };
}

/** The entries of a sources.yaml that failed validation which are valid on their own (their problems are already reported). */
function salvageSources(raw: unknown): Guidance['sources'] {
  const entries = (key: string) => (raw && typeof raw === 'object' && Array.isArray((raw as Record<string, unknown>)[key]) ? ((raw as Record<string, unknown[]>)[key] ?? []) : []);
  return {
    documents: entries('documents').flatMap((d) => documentSchema.safeParse(d).data ?? []),
    references: entries('references').flatMap((r) => referenceSchema.safeParse(r).data ?? []),
  };
}

/**
 * One name per source document, from strings/sources.yaml (keys sources.<document id>): once any is given,
 * every document has one, none is for an unknown document, and none is one of the document's other names.
 */
function checkDocumentNames(sources: Guidance['sources'], table: Record<string, string>, locale: string, problems: string[]): void {
  const names = Object.keys(table).filter((k) => k.startsWith('sources.'));
  if (!names.length) return;
  const ids = new Set(sources.documents.map((d) => d.id));
  for (const d of sources.documents) {
    const name = table[`sources.${d.id}`];
    if (name === undefined) problems.push(`${locale}/strings/sources.yaml: ${d.id}: missing: every source document needs its one name`);
    else for (const other of d.otherNames ?? []) if (name.toLowerCase().includes(other.toLowerCase())) problems.push(`${locale}/strings/sources.yaml: ${d.id}: uses "${other}", one of the document's other names`);
  }
  for (const k of names) if (!ids.has(k.slice('sources.'.length))) problems.push(`${locale}/strings/sources.yaml: ${k.slice('sources.'.length)}: no such document in sources.yaml`);
}

function crossCheck(g: Omit<Guidance, 'byId'>, problems: string[], locale: string): void {
  const where = (item: GuidanceItem) => `${locale}/guidance/${item.id}.yaml: ${item.id}`;
  const measureIds = new Set<string>();
  for (const m of g.measures) {
    if (measureIds.has(m.id)) problems.push(`measures.yaml: ${m.id}: id: appears twice`);
    measureIds.add(m.id);
  }
  const docIds = new Set(g.sources.documents.map((d) => d.id));
  const refs = new Map(g.sources.references.map((r) => [r.id, r.platform]));
  checkReferences(g.sources, problems);
  const refIds = new Set<string>();
  for (const r of g.sources.references) {
    if (refIds.has(r.id)) problems.push(`sources.yaml: ${r.id}: id: appears twice`);
    refIds.add(r.id);
  }
  const itemIds = new Set<string>();
  const covered = new Set<string>();
  for (const item of g.items) {
    if (itemIds.has(item.id)) problems.push(`${where(item)}: id: appears twice`);
    itemIds.add(item.id);
    if (!measureIds.has(item.id)) problems.push(`${where(item)}: id: every item is named after the measure it is for; no measure "${item.id}"`);
    for (const m of item.measures) {
      if (!measureIds.has(m)) problems.push(`${where(item)}: measures: unknown measure "${m}"`);
      covered.add(m);
    }
    item.sources.forEach((s, i) => {
      if (!docIds.has(s.doc)) problems.push(`${where(item)}: sources.${i}.doc: unknown document "${s.doc}"`);
    });
    for (const p of CALL_PLATFORMS) {
      item.platforms[p].refs.forEach((r, i) => {
        const platform = refs.get(r);
        if (!platform) problems.push(`${where(item)}: platforms.${p}.refs.${i}: unknown reference "${r}"`);
        else if (platform !== p) problems.push(`${where(item)}: platforms.${p}.refs.${i}: "${r}" is a ${platform} reference`);
      });
    }
    checkPlatformBlocks(item, where(item), problems);
    checkNamedSettings(item, g.sources, where(item), problems);
    checkWording(item, g.sources, where(item), problems);
  }
  for (const m of measureIds) {
    if (!itemIds.has(m)) problems.push(`${locale}/guidance: no item for measure "${m}" (one item per measure)`);
    if (!covered.has(m)) problems.push(`${locale}/guidance: measure "${m}" is not covered by any item`);
  }
}
