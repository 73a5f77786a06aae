/**
 * Every sealed value the store holds, wherever it is: the report's facts and timeline texts, a queued
 * message (the outbox), a file waiting for a person's consent (a request's `detail.sealed`). One list of
 * where they live, used by the start-up key check, the one-off upgrade from the legacy string form, and
 * `safecall keys status|rotate`. Works through the Store port, so it is the same on lowdb and PostgreSQL;
 * every write is conditional (compare-and-set on the revision read), so it is safe beside running servers
 * on PostgreSQL, and a message being sent right now is left for a later run rather than disturbed.
 *
 * No tokens are stored (the Slack and Teams credentials live in the environment only; a Teams conversation
 * reference holds addresses, not tokens), so there is nothing else to seal.
 */
import type { Collection, Store } from './ports.js';
import type { Delivery } from './schedule/types.js';
import type { StoredReport } from './records/report.js';
import type { PendingRequest } from './ports.js';
import { isSealedValue, legacySealed, SealError, SEALED_ALGORITHM, type MaybeSealed, type Sealer } from './sealer.js';

/**
 * `typed`: the field holds text a person chose (a note, a reason, a file's content), so a legacy-looking
 * string there that no key at hand opens is taken to be what they typed. Otherwise (the facts' JSON, a
 * queued message) a legacy string can only have come from a sealer.
 */
type Visit = (value: MaybeSealed, typed: boolean) => MaybeSealed;

interface Place<T> {
  name: 'reports' | 'deliveries' | 'requests';
  of(store: Store): Collection<T>;
  /** The record with each sealed field replaced by `f`'s answer (the same object when nothing changed). */
  map(record: T, f: Visit): T;
  /** Not to be touched now: a message in the middle of being sent. */
  busy?(record: T): boolean;
  /** True when the record keeps something in the clear outside its sealed fields because no key was set. */
  plain?(record: T): boolean;
  /** That kept in the clear, sealed (rotate, once a key is set). */
  sealPlain?(record: T, sealer: Sealer): T;
}

const same = <T>(a: T, b: T) => a === b;
const isMaybeSealed = (v: unknown): v is MaybeSealed => typeof v === 'string' || isSealedValue(v);

/** (Defensive about shape: a record copied in by hand, or from an older SafeCall, may lack a field.) */
function mapReport(r: StoredReport, f: Visit): StoredReport {
  const facts = isMaybeSealed(r.facts) ? f(r.facts, false) : r.facts;
  let changed = !same(facts, r.facts);
  const timeline = (Array.isArray(r.timeline) ? r.timeline : []).map((e) => {
    const text = isMaybeSealed(e.text) ? f(e.text, true) : e.text;
    const delayReason = isMaybeSealed(e.delayReason) ? f(e.delayReason, true) : e.delayReason;
    if (same(text, e.text) && same(delayReason, e.delayReason)) return e;
    changed = true;
    return { ...e, ...(text === undefined ? {} : { text }), ...(delayReason === undefined ? {} : { delayReason }) };
  });
  return changed ? { ...r, facts, timeline } : r;
}

export const SEALED_PLACES: readonly Place<unknown>[] = [
  { name: 'reports', of: (s) => s.reports, map: mapReport } satisfies Place<StoredReport>,
  {
    name: 'deliveries',
    of: (s) => s.deliveries,
    map: (d, f) => {
      if (!isMaybeSealed(d.sealed)) return d;
      const sealed = f(d.sealed, false);
      return same(sealed, d.sealed) ? d : { ...d, sealed };
    },
    busy: (d) => d.status === 'sending',
    plain: (d) => d.prompt !== undefined,
    sealPlain: (d, sealer) => {
      if (!sealer.enabled || d.prompt === undefined) return d;
      const { prompt, ...rest } = d;
      return { ...rest, sealed: sealer.seal(JSON.stringify(prompt)) };
    },
  } satisfies Place<Delivery>,
  {
    name: 'requests',
    of: (s) => s.requests,
    map: (q, f) => {
      const v = q.detail?.sealed;
      if (!isMaybeSealed(v)) return q;
      const sealed = f(v, true);
      return same(sealed, v) ? q : { ...q, detail: { ...q.detail, sealed } };
    },
  } satisfies Place<PendingRequest>,
] as unknown as readonly Place<unknown>[];

/** Every sealed-or-sealable value of a record. */
function valuesOf<T>(place: Place<T>, record: T): MaybeSealed[] {
  return fieldsOf(place, record).map(([v]) => v);
}

/** Every sealed-or-sealable value of a record, with whether its field holds typed text. */
function fieldsOf<T>(place: Place<T>, record: T): [MaybeSealed, boolean][] {
  const out: [MaybeSealed, boolean][] = [];
  place.map(record, (v, typed) => (out.push([v, typed]), v));
  return out;
}

// ---- the one-off upgrade from the legacy string form -----------------------------------------------------

/** Where the store notes that its sealed values are in the tagged form (store.runtime). */
export const SEALED_FORMAT_KEY = 'safecall.sealed-format';
export const SEALED_FORMAT = 2;

/**
 * A stored legacy string as it should be now: a tagged sealed value when a sealer wrote it, else the text
 * unchanged. Written by a sealer: it is exactly a sealer's output (`sc1:`, a 12-byte IV, a 16-byte tag,
 * base64), and, where the field holds typed text and a key is at hand, a key of the ring opens it. Pure.
 */
export function upgradeLegacy(value: MaybeSealed, typed: boolean, sealer: Sealer): MaybeSealed {
  if (typeof value !== 'string') return value;
  const parts = legacySealed(value);
  if (!parts) return value;
  const key = sealer.openerOf(value);
  if (key) return { sealed: SEALED_ALGORITHM, key, ...parts };
  if (typed && sealer.enabled) return value;
  return { sealed: SEALED_ALGORITHM, ...parts };
}

export async function sealedFormatCurrent(store: Store): Promise<boolean> {
  return ((await store.runtime.get(SEALED_FORMAT_KEY))?.value as number | undefined ?? 0) >= SEALED_FORMAT;
}

/** True when some stored string is a legacy sealed value still waiting for the upgrade. */
export async function legacyWaiting(store: Store): Promise<boolean> {
  if (await sealedFormatCurrent(store)) return false;
  for (const place of SEALED_PLACES) {
    for (const { value } of await place.of(store).entries()) if (valuesOf(place, value).some((v) => typeof v === 'string' && legacySealed(v))) return true;
  }
  return false;
}

/**
 * Turns every legacy sealed string into the tagged form, once per data set (noted in store.runtime). Run at
 * start and by `safecall migrate`; a run cut short is finished by the next (each record is one conditional
 * write). Resolves to the number of records changed.
 */
export async function upgradeSealedData(store: Store, sealer: Sealer, at: Date): Promise<number> {
  if (await sealedFormatCurrent(store)) return 0;
  let changed = 0;
  for (const place of SEALED_PLACES) {
    const f: Visit = (v, typed) => upgradeLegacy(v, typed, sealer);
    const r = await rewrite(store, place, (record) => place.map(record, f));
    changed += r.changed;
  }
  await store.runtime.put(SEALED_FORMAT_KEY, { value: SEALED_FORMAT, setBy: { platform: 'system', id: 'safecall' }, setAt: at.toISOString() });
  return changed;
}

/**
 * Applies `next` to every record of one place where it changes something, each by compare-and-set on the
 * revision read (re-read and retried when another writer got there first). Records `busy` are left.
 */
async function rewrite<T>(store: Store, place: Place<T>, next: (record: T) => T): Promise<{ changed: number; busy: number }> {
  const collection = place.of(store);
  let changed = 0;
  let busy = 0;
  for (const { key } of await collection.entries()) {
    for (let attempt = 0; ; attempt++) {
      const current = await collection.read(key);
      if (!current) break;
      if (place.busy?.(current.value)) {
        busy++;
        break;
      }
      const value = next(current.value);
      if (value === current.value) break;
      if ((await collection.putIf(key, value, current.revision)) !== undefined) {
        changed++;
        break;
      }
      if (attempt >= 50) throw new Error(`${place.name} ${key} kept changing while it was being re-sealed; run again`);
    }
  }
  return { changed, busy };
}

// ---- which keys the data needs ----------------------------------------------------------------------------

/** How many stored values each key sealed: by key id, `unknown` (a converted legacy value), and `text` (not sealed). */
export type KeyUse = Record<string, number>;

export async function keyUse(store: Store): Promise<KeyUse> {
  const use: KeyUse = {};
  for (const place of SEALED_PLACES) {
    for (const { value } of await place.of(store).entries()) {
      for (const v of valuesOf(place, value)) {
        const id = typeof v === 'string' ? (legacySealed(v) ? 'legacy' : 'text') : (v.key ?? 'unknown');
        use[id] = (use[id] ?? 0) + 1;
      }
      if (place.plain?.(value)) use.text = (use.text ?? 0) + 1;
    }
  }
  return use;
}

/**
 * The key ids in use that this sealer cannot open (by id; values of unknown key are tried), and `legacy`
 * for a legacy string only a sealer can have written (the facts, a queued message) that no key at hand
 * opens. Empty when it can open everything.
 */
export async function missingKeys(store: Store, sealer: Sealer): Promise<string[]> {
  const missing = new Set<string>();
  for (const place of SEALED_PLACES) {
    for (const { value } of await place.of(store).entries()) {
      for (const [v, typed] of fieldsOf(place, value)) {
        if (typeof v === 'string') {
          if (!typed && legacySealed(v) && !sealer.openerOf(v)) missing.add('legacy');
          continue;
        }
        if (v.key !== undefined ? !sealer.keyIds.includes(v.key) : !opens(sealer, v)) missing.add(v.key ?? 'unknown');
      }
    }
  }
  return [...missing];
}

const opens = (sealer: Sealer, v: MaybeSealed) => {
  try {
    sealer.open(v);
    return true;
  } catch (err) {
    if (err instanceof SealError) return false;
    throw err;
  }
};

// ---- rotation ---------------------------------------------------------------------------------------------

export interface RotateResult {
  /** Records re-sealed now, per place. */
  changed: Record<string, number>;
  /** Messages being sent at that moment, left for a later run. */
  busy: number;
  /** Values still not under the writing key after the run (a server writing with an older key, or busy ones). */
  remaining: number;
}

/**
 * Re-seals every stored value with the writing key: values of older keys, legacy strings and text kept in
 * the clear before a key was set. Refuses, writing nothing, when some value's key is not in the ring.
 * `dryRun` only counts.
 */
export async function rotateKeys(store: Store, sealer: Sealer, o: { dryRun?: boolean } = {}): Promise<RotateResult> {
  if (!sealer.enabled) throw new SealError('SAFECALL_DATA_KEY is not set: set it to the new key (and the old one in SAFECALL_DATA_KEYS_OLD), then run rotate.');
  const missing = await missingKeys(store, sealer);
  if (missing.length)
    throw new SealError(
      `Some stored values were sealed with ${missing.length === 1 ? 'a key' : 'keys'} not in SAFECALL_DATA_KEY or SAFECALL_DATA_KEYS_OLD (${missing.join(', ')}). Add the old key to SAFECALL_DATA_KEYS_OLD; nothing was changed.`,
    );
  const changed: Record<string, number> = {};
  let busy = 0;
  for (const place of SEALED_PLACES) {
    const next = (record: unknown) => {
      const resealed = place.map(record, (v) => (sealer.stale(v) ? sealer.seal(sealer.open(v)) : v));
      return place.sealPlain ? place.sealPlain(resealed, sealer) : resealed;
    };
    if (o.dryRun) {
      changed[place.name] = (await place.of(store).entries()).filter(({ value }) => !place.busy?.(value) && next(value) !== value).length;
      continue;
    }
    const r = await rewrite(store, place, next);
    changed[place.name] = r.changed;
    busy += r.busy;
  }
  const use = await keyUse(store);
  const remaining = Object.entries(use).reduce((n, [id, count]) => (id === sealer.keyId ? n : n + count), 0);
  return { changed, busy, remaining };
}
