/**
 * What a stored record must look like, per collection: the check behind "bad input never writes a partial or
 * junk record" (fuzz, concurrency). Ids are bounded and non-empty, times are ISO instants, enums are enums,
 * and a report has every field its breach-log row needs. A record that fails is returned with its collection,
 * key and the first problem (never its content: reports are sealed or personal).
 */
import { z } from 'zod';
import { COLLECTION_NAMES, type CollectionName } from '../../src/core/collections.js';
import type { Store } from '../../src/core/ports.js';
import { CATEGORIES, SUBJECTS } from '../../src/core/records/report.js';
import { isSealedValue } from '../../src/core/sealer.js';

const iso = z.iso.datetime({ offset: true });
const id = z.string().min(1).max(512);
const platform = z.enum(['slack', 'teams']);
const actor = z.looseObject({ platform, id });
/** Who set a runtime setting: a person, or SafeCall itself (its own notes: failing alert routes, the sealed format). */
const setter = z.looseObject({ platform: z.enum(['slack', 'teams', 'system']), id });
/** Report content: plain text without a data key, a sealed value with one. */
const content = z.union([z.string().min(1), z.custom(isSealedValue, 'must be a well-formed sealed value')]);

const shapes: Record<CollectionName, z.ZodType> = {
  users: z.looseObject({ platform, id, firstSeen: iso, lastSeen: iso }),
  conversations: z.looseObject({ platform, id, kind: z.enum(['dm', 'channel', 'group']), firstSeen: iso, lastSeen: iso }),
  dialogs: z.looseObject({ key: id, dialog: id, updatedAt: iso, state: z.record(z.string(), z.unknown()) }),
  requests: z.looseObject({ id, kind: id, platform, userId: id, conversationId: id, createdAt: iso, detail: z.record(z.string(), z.unknown()) }),
  receipts: z.looseObject({ kind: id, at: iso }),
  deliveries: z.looseObject({ key: id, kind: id, status: z.string().min(1), attempts: z.number().int().nonnegative(), createdAt: iso, notBefore: iso }),
  timers: z.looseObject({ key: id, kind: id, dueAt: iso, createdAt: iso, payload: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])) }),
  reports: z.looseObject({
    ref: z.string().regex(/^INC-\d{4}-\d{4,}$/),
    reporter: actor,
    category: z.enum(CATEGORIES),
    occurredAt: iso,
    discoveredAt: iso,
    reportedAt: iso,
    awareAt: iso,
    deadlineAt: iso,
    subjects: z.array(z.enum(SUBJECTS)).min(1),
    facts: content,
    timeline: z.array(z.looseObject({ at: iso })),
    status: z.enum(['open', 'closed']),
    submission: id,
    v: z.literal(1),
  }),
  reminders: z.looseObject({ round: id, status: z.string().min(1), updatedAt: iso }),
  runtime: z.looseObject({ setBy: setter, setAt: iso }),
  locks: z.looseObject({ owner: id, since: iso, until: iso }),
};

export interface Audit {
  records: number;
  byCollection: Record<string, number>;
  junk: string[];
}

export async function auditRecords(store: Store): Promise<Audit> {
  const audit: Audit = { records: 0, byCollection: {}, junk: [] };
  for (const name of COLLECTION_NAMES) {
    const entries = await store[name].entries();
    audit.byCollection[name] = entries.length;
    for (const { key, value } of entries) {
      audit.records++;
      if (!key || key.length > 1000) audit.junk.push(`${name}: a key of ${key.length} characters`);
      const checked = shapes[name].safeParse(value);
      if (!checked.success) {
        const first = checked.error.issues[0]!;
        audit.junk.push(`${name} ${key.slice(0, 80)}: ${first.path.join('.') || '(record)'}: ${first.message}`);
      }
    }
  }
  return audit;
}
