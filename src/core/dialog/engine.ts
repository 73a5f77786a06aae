/**
 * A small, generic dialog engine: load state → apply an event with a pure reducer → save → let the
 * caller render. State lives in the Store (one record per dialog, person and conversation), so a
 * dialog survives restarts. Buttons carry a token (owner, instance, revision) so that a click on an
 * old message, on someone else's message, or a double click is recognised here, once, for every dialog.
 * Every write sets an expiry (DIALOG_IDLE_MS after the last change, FINISHED_KEEP_MS once the dialog
 * says it is finished), so abandoned and finished dialogs leave the store by themselves (Store sweep).
 */
import { randomUUID } from 'node:crypto';
import type { Person, Place } from '../conversation.js';
import type { Clock, Collection, StoredDialog } from '../ports.js';

/** What the engine keeps for one dialog instance. `data` belongs to the dialog. */
export interface DialogRecord<S> {
  /** Changes when the dialog is started again, so every older button goes stale. */
  instance: string;
  /** Goes up by one with every applied event. */
  revision: number;
  /** The person the dialog belongs to, and their display name for "this is X's …" notes. */
  owner: string;
  ownerName?: string;
  /**
   * The last click applied: a second identical click is answered without applying it again.
   * `instance` is set when that click started this instance (Start again).
   */
  last?: { instance?: string; revision: number; action: string; arg: string };
  data: S;
}

/** What a button value carries. `arg` is the dialog's own payload (a platform, an answer…). */
export interface ButtonToken {
  owner: string;
  instance: string;
  revision: number;
  arg: string;
}

const DAY_MS = 86_400_000;
/** A dialog nobody has touched for this long is gone (its buttons answer as stale). */
export const DIALOG_IDLE_MS = 30 * DAY_MS;
/** A finished dialog is kept this long, so a late double click on its last step is still recognised. */
export const FINISHED_KEEP_MS = DAY_MS;
/** Concurrent clicks on one dialog are few; past this, something is rewriting it in a loop. */
const MAX_ATTEMPTS = 20;

/** The instance of a token that is not tied to a dialog instance (it only names the owner). */
export const NO_INSTANCE = '-';
const SEP = '|';

export function encodeToken(t: ButtonToken): string {
  return [encodeURIComponent(t.owner), t.instance, String(t.revision), t.arg].join(SEP);
}

export function decodeToken(value: string): ButtonToken | undefined {
  const parts = value.split(SEP);
  if (parts.length < 4) return undefined;
  const [owner, instance, rev, ...rest] = parts;
  const revision = Number(rev);
  if (!owner || !instance || !Number.isInteger(revision)) return undefined;
  try {
    return { owner: decodeURIComponent(owner), instance, revision, arg: rest.join(SEP) };
  } catch {
    return undefined;
  }
}

export interface DialogSpec<S, E, F> {
  /** Names the dialog; the first part of its store keys. */
  name: string;
  /** Pure: the next state and the side effects the caller should carry out. Return `state` itself for "no change". */
  reduce(state: S, event: E): { state: S; effects: F[] };
  /** Accepts stored data (possibly written by an older version); undefined drops it. */
  parse(raw: unknown): S | undefined;
  /** True once the dialog has nothing left to do: it is then kept only FINISHED_KEEP_MS. */
  finished?(state: S): boolean;
}

/** The result of checking a button's token against the stored dialog. */
export type Checked<S> =
  | { kind: 'ok'; record: DialogRecord<S> }
  /** From an older message or another instance; `current` is where the person is now, if anywhere. */
  | { kind: 'stale'; current?: DialogRecord<S> }
  /** Someone pressed another person's button. */
  | { kind: 'foreign'; owner: string; ownerName?: string };

export type Applied<S, F> =
  | Checked<S>
  | { kind: 'applied'; record: DialogRecord<S>; effects: F[] }
  /** The same click again: nothing applied, `record` is the current state. */
  | { kind: 'duplicate'; record: DialogRecord<S> };

export class DialogEngine<S, E, F> {
  constructor(
    private readonly spec: DialogSpec<S, E, F>,
    private readonly store: Collection<StoredDialog>,
    private readonly clock: Clock,
    private readonly newId: () => string = () => randomUUID().slice(0, 8),
  ) {}

  /** One dialog per person per conversation: two teachers in one channel never share state. */
  key(who: Person, where: Place, owner: string = who.id): string {
    return `${this.spec.name}:${who.platform}:${where.id}:${owner}`;
  }

  async load(who: Person, where: Place): Promise<DialogRecord<S> | undefined> {
    return this.read(await this.store.get(this.key(who, where)));
  }

  /** Starts a new instance (replacing any other), so every button from the old one goes stale. */
  async begin(who: Person, where: Place, data: S): Promise<DialogRecord<S>> {
    const record: DialogRecord<S> = { instance: this.newId(), revision: 0, owner: who.id, ownerName: who.name, data };
    await this.store.put(this.key(who, where), this.stored(who, where, record), { expiresAt: this.expiry(data) });
    return record;
  }

  async end(who: Person, where: Place): Promise<void> {
    await this.store.delete(this.key(who, where));
  }

  /** The value for a button acting on the record as it is now. */
  token(record: DialogRecord<S>, arg = ''): string {
    return encodeToken({ owner: record.owner, instance: record.instance, revision: record.revision, arg });
  }

  /** A value that names only the owner, for buttons that work without a dialog (e.g. an emergency card). */
  ownedValue(owner: string, arg = ''): string {
    return encodeToken({ owner, instance: NO_INSTANCE, revision: 0, arg });
  }

  /**
   * Checks a button for a read-only view. `anyRevision` accepts any revision of the current instance
   * (for forms whose content does not depend on the revision).
   */
  async check(who: Person, where: Place, value: string, opts: { anyRevision?: boolean } = {}): Promise<Checked<S>> {
    const token = decodeToken(value);
    if (token && token.owner !== who.id) return this.foreign(who, where, token.owner);
    const current = await this.load(who, where);
    if (!token || !current || token.instance !== current.instance) return { kind: 'stale', current };
    if (!opts.anyRevision && token.revision !== current.revision) return { kind: 'stale', current };
    return { kind: 'ok', record: current };
  }

  /**
   * Applies the event a button stands for, atomically (compare-and-set: read, decide with pure code,
   * write only if nobody wrote in between, else decide again on what they wrote). `toEvent` turns the
   * token's arg into an event; undefined means the button makes no sense here (stale).
   */
  async apply(who: Person, where: Place, action: string, value: string, toEvent: (arg: string, data: S) => E | undefined): Promise<Applied<S, F>> {
    const token = decodeToken(value);
    if (token && token.owner !== who.id) return this.foreign(who, where, token.owner);
    return this.decideAndWrite(who, where, (current) => this.decide(current, token, action, toEvent));
  }

  /**
   * Starts a new instance in place of the current one, for a button such as "Start again": checked and
   * guarded against double clicks like `apply`, so every button of the old instance goes stale once.
   */
  async replace(who: Person, where: Place, action: string, value: string, make: (current: DialogRecord<S>) => S): Promise<Applied<S, F>> {
    const token = decodeToken(value);
    if (token && token.owner !== who.id) return this.foreign(who, where, token.owner);
    return this.decideAndWrite(who, where, (current) => {
      const refused = this.guard(current, token, action);
      if (refused || !current || !token) return refused ?? { kind: 'stale', current };
      const record: DialogRecord<S> = {
        instance: this.newId(),
        revision: 0,
        owner: current.owner,
        ownerName: who.name ?? current.ownerName,
        last: { instance: current.instance, revision: token.revision, action, arg: token.arg },
        data: make(current),
      };
      return { kind: 'applied', record, effects: [] };
    });
  }

  /**
   * The compare-and-set loop behind apply and replace. `decide` is pure (it may run again after a
   * conflict); only the outcome of the attempt that was written is returned.
   */
  private async decideAndWrite(who: Person, where: Place, decide: (current: DialogRecord<S> | undefined) => Applied<S, F>): Promise<Applied<S, F>> {
    const key = this.key(who, where);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const stored = await this.store.read(key);
      const outcome = decide(this.read(stored?.value));
      if (outcome.kind !== 'applied') return outcome;
      const written = await this.store.putIf(key, this.stored(who, where, outcome.record), stored?.revision ?? 0, {
        expiresAt: this.expiry(outcome.record.data),
      });
      if (written !== undefined) return outcome;
    }
    throw new Error(`The ${this.spec.name} dialog kept changing while a click was applied.`);
  }

  private expiry(data: S): Date {
    const keep = this.spec.finished?.(data) ? FINISHED_KEEP_MS : DIALOG_IDLE_MS;
    return new Date(this.clock.now().getTime() + keep);
  }

  /** Stale (another instance or revision) or a repeat of the last click; undefined when the click may go ahead. */
  private guard(current: DialogRecord<S> | undefined, token: ButtonToken | undefined, action: string): Applied<S, F> | undefined {
    if (!current || !token) return { kind: 'stale', current };
    const last = current.last;
    const repeat = last && (last.instance ?? current.instance) === token.instance && last.revision === token.revision && last.action === action && last.arg === token.arg;
    if (repeat) return { kind: 'duplicate', record: current };
    if (token.instance !== current.instance || token.revision !== current.revision) return { kind: 'stale', current };
    return undefined;
  }

  private decide(current: DialogRecord<S> | undefined, token: ButtonToken | undefined, action: string, toEvent: (arg: string, data: S) => E | undefined): Applied<S, F> {
    const refused = this.guard(current, token, action);
    if (refused || !current || !token) return refused ?? { kind: 'stale', current };
    const event = toEvent(token.arg, current.data);
    if (event === undefined) return { kind: 'stale', current };
    const { state, effects } = this.spec.reduce(current.data, event);
    if (state === current.data) return { kind: 'duplicate', record: current };
    const record: DialogRecord<S> = { ...current, revision: current.revision + 1, last: { revision: token.revision, action, arg: token.arg }, data: state };
    return { kind: 'applied', record, effects };
  }

  private async foreign(who: Person, where: Place, owner: string): Promise<Checked<S>> {
    const theirs = this.read(await this.store.get(this.key(who, where, owner)));
    return { kind: 'foreign', owner, ownerName: theirs?.ownerName };
  }

  private stored(who: Person, where: Place, record: DialogRecord<S>): StoredDialog {
    return {
      key: this.key(who, where, record.owner),
      dialog: this.spec.name,
      updatedAt: this.clock.now().toISOString(),
      state: record as unknown as Record<string, unknown>,
    };
  }

  private read(raw: StoredDialog | undefined): DialogRecord<S> | undefined {
    if (!raw || raw.dialog !== this.spec.name) return undefined;
    const r = raw.state as Partial<DialogRecord<unknown>>;
    if (typeof r.instance !== 'string' || typeof r.revision !== 'number' || typeof r.owner !== 'string') return undefined;
    const data = this.spec.parse(r.data);
    if (data === undefined) return undefined;
    return {
      instance: r.instance,
      revision: r.revision,
      owner: r.owner,
      ownerName: typeof r.ownerName === 'string' ? r.ownerName : undefined,
      last: r.last,
      data,
    };
  }
}
