/**
 * Making a report durable, exactly once per form submission, with a reference people can say on the phone.
 *
 * The form carries a draft id made when it was opened (its state). The submission key is the reporter plus
 * that id, so a Slack retry, a double-clicked submit, a Teams redelivery of the same card, and the same
 * form sent again after a restart all name the same report; another person cannot reach someone else's
 * report by copying the id. The steps are each idempotent, so a crash between any two is mended by the
 * next attempt:
 * 1. the submission record (store.runtime) holds the reference once one is allocated;
 * 2. the submission is claimed first (compare-and-set), and only the claimant takes the next number from
 *    a per-year counter advanced by compare-and-set, so two reports never share a number and duplicates
 *    use none up;
 * 3. the report is written with putIf(ref, …, 0): the first write wins and later ones read it back.
 */
import type { Deps } from '../../src/core/deps.js';
import type { Person } from '../../src/core/conversation.js';
import type { RuntimeSetting } from '../../src/core/records/reminder.js';
import { deadlineFor, defaultAwareness, sealFacts, type AlertRef, type StoredReport } from '../../src/core/records/report.js';
import type { ReportInput } from './form.js';
import { RUNTIME_KEYS } from './ids.js';
import { yearIn } from './time.js';

/** How long a form submission is remembered (a form left open longer and sent again makes a new report). */
export const SUBMISSION_TTL_MS = 30 * 24 * 3_600_000;
/** A claim older than this was left by a crash. */
export const CLAIM_STALE_MS = 30_000;
const CLAIM_POLL_MS = 50;
const CLAIM_POLLS = 60;

export const formatRef = (year: string, n: number) => `INC-${year}-${String(n).padStart(4, '0')}`;
const REF = /^INC-\d{4}-\d{4,}$/;
export const isRef = (s: string) => REF.test(s);

export const submissionKey = (who: Pick<Person, 'platform' | 'id'>, draft: string) => `${who.platform}:${who.id}:${draft}`;

const counterValue = (s: RuntimeSetting | undefined) => (typeof s?.value === 'number' ? s.value : 0);

export function reportRecords(deps: Deps) {
  const runtime = deps.store.runtime;

  async function allocate(year: string, who: Person): Promise<number> {
    const written = await runtime.update(RUNTIME_KEYS.counter(year), (current) => ({
      value: counterValue(current) + 1,
      setBy: { platform: who.platform, id: who.id },
      setAt: deps.clock.now().toISOString(),
    }));
    return counterValue(written);
  }

  const refOf = (s: RuntimeSetting | undefined) => (s?.value as { ref?: string } | undefined)?.ref;

  /**
   * The submission is claimed before a number is taken, so duplicates never use up numbers: the first
   * claims it (a pending record), takes the next number and records it; the others wait for that. A
   * claim left pending by a crash is taken over after CLAIM_STALE_MS.
   */
  async function refFor(key: string, who: Person, year: string): Promise<string> {
    const id = RUNTIME_KEYS.submission(key);
    for (let attempt = 0; attempt < CLAIM_POLLS; attempt++) {
      const now = deps.clock.now();
      const claim = (): RuntimeSetting => ({ value: { pending: now.toISOString() }, setBy: { platform: who.platform, id: who.id }, setAt: now.toISOString() });
      const current = await runtime.read(id);
      const ref = refOf(current?.value);
      if (ref) return ref;
      const stale = current && Date.parse(current.value.setAt) < now.getTime() - CLAIM_STALE_MS;
      if (!current || stale) {
        const claimed = await runtime.putIf(id, claim(), current?.revision ?? 0, { expiresAt: new Date(now.getTime() + SUBMISSION_TTL_MS) });
        if (claimed !== undefined) {
          const mine = formatRef(year, await allocate(year, who));
          await runtime.put(id, { ...claim(), value: { ref: mine } }, { expiresAt: new Date(now.getTime() + SUBMISSION_TTL_MS) });
          return mine;
        }
        continue;
      }
      await new Promise((ok) => setTimeout(ok, CLAIM_POLL_MS));
    }
    throw new Error('report submission: another delivery of the same form is still being stored');
  }

  /**
   * Deliveries of one form in this process wait for the first, rather than polling the store. Per
   * instance and safe to lose: across instances the submission claim (putIf in runtime, keyed by
   * submissionKey, which both derive from the same person and draft) decides.
   */
  const inFlight = new Map<string, Promise<{ report: StoredReport; created: boolean }>>();

  return {
    /** The stored report for this submission: made now, or the one an earlier delivery of it made. */
    async create(who: Person, draft: string, input: ReportInput, alertsFor: (ref: string) => Promise<AlertRef[]>): Promise<{ report: StoredReport; created: boolean }> {
      const key = submissionKey(who, draft);
      const running = inFlight.get(key);
      if (running) return { report: (await running).report, created: false };
      const work = createOnce(who, key, input, alertsFor);
      inFlight.set(key, work);
      try {
        return await work;
      } finally {
        inFlight.delete(key);
      }
    },
  };

  async function createOnce(who: Person, key: string, input: ReportInput, alertsFor: (ref: string) => Promise<AlertRef[]>): Promise<{ report: StoredReport; created: boolean }> {
    const now = deps.clock.now();
    const ref = await refFor(key, who, yearIn(now, deps.school.timezone));
    const existing = await deps.store.reports.get(ref);
    if (existing) return { report: existing, created: false };
    const aware = defaultAwareness(input.discoveredAt, now);
    const report: StoredReport = {
      ref,
      reporter: { platform: who.platform, id: who.id },
      category: input.category,
      ...(input.callPlatform ? { callPlatform: input.callPlatform } : {}),
      occurredAt: input.occurredAt.toISOString(),
      discoveredAt: input.discoveredAt.toISOString(),
      reportedAt: now.toISOString(),
      awareAt: aware.toISOString(),
      deadlineAt: deadlineFor(aware).toISOString(),
      subjects: input.subjects,
      ...(input.howMany ? { howMany: input.howMany } : {}),
      ...(input.specialCategory ? { specialCategory: input.specialCategory } : {}),
      facts: sealFacts(
        {
          ...(who.name ? { reporterName: who.name } : {}),
          ...(input.meeting ? { meeting: input.meeting } : {}),
          narrative: input.narrative,
          ...(input.actionsTaken ? { actionsTaken: input.actionsTaken } : {}),
          ...(input.evidence ? { evidence: input.evidence } : {}),
          ...(input.othersTold ? { othersTold: input.othersTold } : {}),
        },
        deps.sealer,
      ),
      timeline: [],
      status: 'open',
      alerts: await alertsFor(ref),
      submission: key,
      v: 1,
    };
    const written = await deps.store.reports.putIf(ref, report, 0);
    if (written !== undefined) return { report, created: true };
    const winner = await deps.store.reports.get(ref);
    if (!winner) throw new Error('report vanished during a race');
    return { report: winner, created: false };
  }
}
