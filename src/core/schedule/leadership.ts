/**
 * Leadership as a lease on one record of `store.locks` (see `Leadership` in types.ts for why one leader).
 * The same compare-and-set the outbox uses, so it holds on every store: the memory and lowdb stores (one
 * process, which always wins) and PostgreSQL (several instances, one leader).
 *
 * - Taken when the record is absent (putIf at 0), lapsed (`until <= now`) or already ours (putIf at the
 *   revision read): two instances racing for it cannot both succeed.
 * - Renewed by calling `lead()` again before `until` (the heartbeat in src/scheduling.ts, and the runner
 *   between batches).
 * - Resigning writes the lease as lapsed (`until = now`) at the revision read rather than deleting it: a
 *   deleted record starts again at revision 1 (ports.ts), so an instance that read the old record at
 *   revision 1 could otherwise overwrite a successor's fresh lease with a stale compare-and-set.
 *
 * Times come from the instance's Clock: instances must keep their clocks in step (NTP) to well under the
 * lease. A leader that stalls past its lease may still be mid-batch when its successor starts; the leased
 * claims and the `sending` compare-and-set (runner.ts) keep every message to one send even then.
 *
 * Logs carry owner names only.
 */
import type { Clock, Collection, LockRecord, Log } from '../ports.js';
import type { Leadership } from './types.js';

export interface LeadershipOptions {
  locks: Collection<LockRecord>;
  /** The lock's key, e.g. `scheduler`. */
  name: string;
  /** This instance (host:pid). */
  owner: string;
  clock: Clock;
  /** How long a lease lasts without renewal: a dead leader is replaced this long after its last renewal. */
  leaseMs: number;
  log?: Log;
}

export interface LeaseLeadership extends Leadership {
  /** What the last `lead()` found, without asking the store. */
  readonly leading: boolean;
  readonly leaseMs: number;
}

export function createLeadership(o: LeadershipOptions): LeaseLeadership {
  const { locks, name, owner, clock, log } = o;
  let leading = false;
  let inFlight: Promise<boolean> | undefined;

  const becomes = (now: boolean, why: Record<string, string>) => {
    if (now === leading) return;
    leading = now;
    if (now) log?.info({ lock: name, owner, ...why }, 'leadership: this instance now leads');
    // Losing the store is already logged once, at warn, by the store (one line per outage): stepping down
    // because of it is its consequence, not a second alarm. Losing the lease to another instance is news.
    else if (why.error !== undefined) log?.info({ lock: name, owner, ...why }, 'leadership: this instance no longer leads');
    else log?.warn({ lock: name, owner, ...why }, 'leadership: this instance no longer leads');
  };

  async function attempt(): Promise<boolean> {
    const now = clock.now();
    const at = now.toISOString();
    let current;
    try {
      current = await locks.read(name);
      const held = current?.value;
      if (held && held.owner !== owner && held.until > at) {
        becomes(false, { leader: held.owner });
        return false;
      }
      const since = held?.owner === owner && leading ? held.since : at;
      const next: LockRecord = { owner, since, until: new Date(now.getTime() + o.leaseMs).toISOString() };
      const written = await locks.putIf(name, next, current?.revision ?? 0);
      if (written === undefined) {
        // Another instance took it between the read and the write.
        const winner = (await locks.get(name))?.owner;
        becomes(false, winner ? { leader: winner } : {});
        return false;
      }
      becomes(true, held && held.owner !== owner ? { after: held.owner } : {});
      return true;
    } catch (err) {
      // The store cannot be reached: this instance cannot tell, so it stops leading (its claims are leased).
      becomes(false, { error: (err as Error).message });
      return false;
    }
  }

  return {
    owner,
    leaseMs: o.leaseMs,
    get leading() {
      return leading;
    },
    lead() {
      // Calls that overlap (the heartbeat and a flush) share one read and write: two writes at the same
      // revision would make one of them look like a lost lease.
      inFlight ??= attempt().finally(() => (inFlight = undefined));
      return inFlight;
    },
    async resign() {
      await inFlight;
      const wasLeading = leading;
      leading = false;
      const current = await locks.read(name);
      if (!current || current.value.owner !== owner) return;
      const at = clock.now().toISOString();
      if (current.value.until <= at) return;
      await locks.putIf(name, { ...current.value, until: at }, current.revision);
      if (wasLeading) log?.info({ lock: name, owner }, 'leadership: this instance resigned');
    },
  };
}
