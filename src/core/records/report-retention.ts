/**
 * Retention: a closed report is kept for `reports.retentionDays` from when it was closed, then deleted with
 * what points to it (its queued or sent alerts in the outbox, its timers). Open reports are never deleted.
 * Run by the incidents policy on every scheduler tick (a few at a time) and by `safecall reports purge`.
 */
import type { Store } from '../ports.js';
import type { StoredReport } from './report.js';

export const DEFAULT_RETENTION_DAYS = 2190;
const DAY_MS = 86_400_000;

export const purgeCutoff = (now: Date, retentionDays: number) => new Date(now.getTime() - retentionDays * DAY_MS);

/** Closed reports whose retention has run out, oldest closed first. */
export async function expiredReports(store: Pick<Store, 'reports'>, now: Date, retentionDays: number, limit?: number): Promise<StoredReport[]> {
  const found = await store.reports.query({ index: 'closedAt', before: purgeCutoff(now, retentionDays).toISOString(), ...(limit ? { limit } : {}) });
  return found.map((v) => v.value).filter((r) => r.status === 'closed');
}

/** Deletes the report, its deliveries and its timers. */
export async function purgeReport(store: Pick<Store, 'reports' | 'deliveries' | 'timers'>, ref: string): Promise<void> {
  for (const d of await store.deliveries.query({ index: 'group', equals: `incident:${ref}` })) await store.deliveries.delete(d.key);
  for (const t of await store.timers.query({ index: 'kind', equals: 'incident.deadline' })) if (t.value.payload.ref === ref) await store.timers.delete(t.key);
  await store.reports.delete(ref);
}
