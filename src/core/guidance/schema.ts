/**
 * The shape of the guidance content (content/measures.yaml, content/sources.yaml,
 * content/<locale>/guidance/*.yaml). Strict: unknown keys are rejected. Types derive from the schemas.
 */
import { z } from 'zod';

export const PHASES = ['account', 'before', 'start', 'during', 'after', 'incident', 'ongoing'] as const;
export const CALL_PLATFORMS = ['zoom', 'teams', 'meet'] as const;
export const CALL_KINDS = ['class', 'lesson', 'meeting'] as const;

export type Phase = (typeof PHASES)[number];
export type CallPlatform = (typeof CALL_PLATFORMS)[number];
export type CallKind = (typeof CALL_KINDS)[number];

const id = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be lower-case words joined by hyphens');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-11-23');
const text = z.string().trim().min(1, 'must not be empty');
/** A quote is short: the sentence that names the setting, not the page. */
export const QUOTE_MAX = 400;

/** content/measures.yaml: the project's own copy of the measure index. */
export const measureSchema = z.strictObject({
  id,
  measure: text,
  phase: z.enum(PHASES),
  who: z.array(text).min(1),
  source: text,
});
export const measuresFileSchema = z.strictObject({ measures: z.array(measureSchema).min(1) });

/** A source document of content/sources.yaml. */
export const documentSchema = z.strictObject({
  id: z.string().regex(/^[A-Z]+$/),
  /**
   * Other names for it that must not appear in guidance text (content check): a teacher sees one name per
   * document, the one in content/<locale>/strings/sources.yaml.
   */
  otherNames: z.array(text).optional(),
  title: text,
  publisher: text,
  date: isoDate,
  file: text,
});

/** A vendor page of content/sources.yaml, cited by platform steps (refs). */
export const referenceSchema = z.strictObject({
  id: z.string().regex(/^[ZTG]\d+$/),
  platform: z.enum(CALL_PLATFORMS),
  title: text,
  /** The vendor's own page (its host must be the platform vendor's: see VENDOR_HOSTS in src/content/guidance-rules.ts). */
  url: z.url({ protocol: /^https$/, error: 'must be the https address of the vendor page' }),
  /** The day the page was read. */
  read: isoDate,
  /** Where the copy read came from, when it was not the address itself (a source file, the old help centre). */
  note: text.optional(),
  /**
   * Short quotes of the vendor's words. A platform block may name a setting (**bold** or "quoted") only where a
   * quote of one of its references contains that name.
   */
  quotes: z.array(text.max(QUOTE_MAX, `must be a short quote (at most ${QUOTE_MAX} characters)`)).min(1),
});

/** content/sources.yaml: the source documents and the vendor references cited by platform steps. */
export const sourcesFileSchema = z.strictObject({
  documents: z.array(documentSchema),
  references: z.array(referenceSchema),
});

/** A platform the item applies to. `support` says how well the platform can do it. */
const platformSteps = z
  .strictObject({
    /** full: a control that does it; partial: a control that does part of it; none: no such control. */
    support: z.enum(['full', 'partial', 'none']),
    /** Where the setting is ("In the meeting: **Security** → **Enable Waiting Room**"): each **bold** name is in a quote of its refs. Omitted when none. */
    where: text.optional(),
    steps: z.array(text),
    /** Required when support is partial or none: what to do instead. */
    alternative: text.optional(),
    /** Help for a teacher who cannot find the setting on their screen. */
    ifNotFound: text,
    /** Vendor references from content/sources.yaml (Z1, T4, G1…); empty where the step is general advice. */
    refs: z.array(z.string().regex(/^[ZTG]\d+$/)),
    /**
     * The steps for a recurring class where they differ from `steps` (it is one meeting set up once, not a new
     * meeting each lesson). Other kinds of call use `steps`, which must not contradict a recurring class either.
     */
    recurringSteps: z.array(text).min(1).optional(),
    /**
     * Set when a vendor page confirms only part of this block, or none of it: the steps that rest on no vendor page
     * say in plain words what to look for (no **bold** name, no menu path), and every view shows the mark once.
     */
    unconfirmed: z.boolean().optional(),
    /** Who can change it: `admin` settings are gathered into one list a teacher passes to IT. */
    setBy: z.enum(['teacher', 'admin']).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.support !== 'none' && p.steps.length === 0) ctx.addIssue({ code: 'custom', path: ['steps'], message: 'needs at least one step' });
    if (p.support !== 'full' && !p.alternative)
      ctx.addIssue({ code: 'custom', path: ['alternative'], message: `is required when support is ${p.support}` });
  });

export const guidanceItemSchema = z.strictObject({
  id,
  /** The measure ids (content/measures.yaml) this item covers. */
  measures: z.array(id).min(1),
  /** In a teacher's words. */
  title: text.max(80),
  /** The title for a recurring class, where `title` would not fit it ("every lesson" when it is one meeting). */
  recurringTitle: text.max(80).optional(),
  /** The title as a button or menu label, where `title` is over 40 characters: 40 fit a Teams card's row whole. */
  shortTitle: text.max(40).optional(),
  /** One or two sentences on why it matters. */
  why: text,
  /** Which source document and part: [{ doc: PCPD, part: "Hosts, point 2" }]. */
  sources: z.array(z.strictObject({ doc: z.string().regex(/^[A-Z]+$/), part: text })).min(1),
  phase: z.enum(PHASES),
  audience: z.array(z.enum(['host', 'participants', 'students', 'teacher', 'staff', 'admin', 'it', 'dpo', 'everyone'])).min(1),
  /** Kinds of call the item belongs to in the guided setup; omitted means all. */
  callKinds: z.array(z.enum(CALL_KINDS)).optional(),
  platforms: z.strictObject({ zoom: platformSteps, teams: platformSteps, meet: platformSteps }),
  /** Words teachers use for it, for search. */
  synonyms: z.array(text).min(1),
  reviewed: isoDate,
});

export type Measure = z.infer<typeof measureSchema>;
export type SourcesFile = z.infer<typeof sourcesFileSchema>;
export type PlatformSteps = z.infer<typeof platformSteps>;
export type GuidanceItem = z.infer<typeof guidanceItemSchema>;

export interface Guidance {
  measures: Measure[];
  sources: SourcesFile;
  items: GuidanceItem[];
  byId: Map<string, GuidanceItem>;
}
