/**
 * Whether a report's alerts reach someone who can act on it, and who is told what:
 * - a destination that refuses an alert (the bot not in the channel, a Teams DPO who never opened SafeCall)
 *   is recorded as failing (src/core/dpo.ts) and tried again every few minutes with one alert; once one gets
 *   through, every alert waiting for it is sent, showing the case as it is then;
 * - the officers are told in chat what is wrong and what to do ("invite SafeCall to the channel"), when it
 *   starts and once a day while it lasts;
 * - the reporter is told the truth: that the report has reached someone only once an alert has been
 *   delivered, and that it has not, when the route they were told about turns out not to work.
 */
import type { Deps } from '../../src/core/deps.js';
import { userKey } from '../../src/core/ports.js';
import type { Prompt } from '../../src/core/prompt.js';
import type { Address, Delivery, OutboxItem } from '../../src/core/schedule/types.js';
import { destinationId, describeProblem, markFailing, markTried, markWorking, type FailingDestination, type RouteProblem } from '../../src/core/dpo.js';
import type { StoredReport } from '../../src/core/records/report.js';
import { INCIDENT_KINDS as K } from './ids.js';
import { recipients, working, type IncidentAlerts, type Route } from './alerts.js';

/** A failing destination is tried again this long after the last try (one alert: the others follow it). */
export const RETRY_MS = 5 * 60_000;
const DAY = 24 * 3_600_000;

/**
 * What the reporter can truly be told about their report now: it has reached someone (`reached`), it is on
 * its way to the DPO (`sending`: a DPO destination not known to fail), or the DPO cannot be reached and it
 * goes to the admins (`admins`) or the deputies (`deputies`) instead, or to nobody yet (`nobody`).
 */
export type Reach = 'reached' | 'sending' | 'admins' | 'deputies' | 'nobody';

const note = (text: string): Prompt => ({ fallback: text, blocks: [{ kind: 'text', text }] });
const refOfGroup = (group: string | undefined) => (group?.startsWith('incident:') ? group.slice('incident:'.length) : '');

export function incidentReach(deps: Deps, alerts: IncidentAlerts) {
  const t = (k: string, vars?: Record<string, string | number>) => deps.strings.t(k, vars);
  const now = () => deps.clock.now();

  /** Whether any alert of the report has been delivered (a first alert or its repeat, `sent`). */
  async function firstSent(r: StoredReport): Promise<Delivery | undefined> {
    let first: Delivery | undefined;
    for (const a of r.alerts) {
      for (const key of [a.key, `${K.alertAgain}:${a.key}`]) {
        const d = await deps.outbox.get(key);
        if (d?.status === 'sent' && (!first || (d.sentAt ?? '') < (first.sentAt ?? ''))) first = d;
      }
    }
    return first;
  }

  /** What the report's route can do now, for the reporter (not `reached`: that needs a delivery). */
  function reachOf(r: StoredReport, rt: Route): Exclude<Reach, 'reached'> {
    const level0 = recipients({ ref: r.ref, timeline: [] }, rt);
    if (level0.some((a) => working(a, rt))) return 'sending';
    const all = recipients(r, rt).filter((a) => working(a, rt));
    if (all.some((a) => a.role === 'admin')) return 'admins';
    if (all.some((a) => a.role === 'deputy')) return 'deputies';
    return 'nobody';
  }

  const toReporter = (r: StoredReport): Address => ({ platform: r.reporter.platform, userId: r.reporter.id });

  async function tellReporter(r: StoredReport, what: 'reached' | 'waiting', text: string): Promise<void> {
    const { added } = await deps.outbox.enqueue([{ key: `${K.reporterUpdate}:${r.ref}:${what}`, kind: K.reporterUpdate, group: `incident:${r.ref}`, to: toReporter(r), prompt: note(text) }]);
    if (added) deps.log.info({ event: 'incident.reporter-told', ref: r.ref, what }, 'incident: the reporter is told where their report is');
  }

  /** Who hears about a broken route: the admins who can be reached, else the DPO's people and deputies. */
  function officers(rt: Route, except: string): Address[] {
    const people = rt.destinations.filter((d) => d.to.userId && destinationId(d.to) !== except && !rt.failing[destinationId(d.to)]);
    const admins = people.filter((d) => d.role === 'admin');
    return (admins.length ? admins : people).map((d) => d.to);
  }

  const toldNobody = new Set<string>();

  async function tellOfficers(rt: Route, problem: RouteProblem, id: string, episode: string): Promise<number> {
    const { problem: what, fix } = describeProblem(deps.strings, problem);
    const waiting = problem.kind === 'failing' && problem.waiting > 0 ? ` ${t('reports.route.waiting', { count: problem.waiting })}` : '';
    const text = `${t('reports.route.heading')} ${what} ${fix}${waiting}`;
    const items: OutboxItem[] = officers(rt, id).map((to) => ({ key: `${K.routeProblem}:${id}:${episode}:${destinationId(to)}`, kind: K.routeProblem, group: 'incident-route', to, prompt: note(text) }));
    const { added } = items.length ? await deps.outbox.enqueue(items) : { added: 0 };
    if (added) deps.log.warn({ event: 'incident.route-problem', destination: id, officers: added }, 'incident: a DPO alert route does not work; the officers were told what to fix');
    // Said once per problem and day in this process, not at every tick.
    if (!items.length && !toldNobody.has(`${id}:${episode}`)) {
      toldNobody.add(`${id}:${episode}`);
      deps.log.error({ event: 'incident.route-problem', destination: id, officers: 0 }, 'incident: a DPO alert route does not work and no officer can be told in chat (see /healthz)');
    }
    return added;
  }

  const problemOf = (rt: Route, f: FailingDestination): RouteProblem => ({
    kind: 'failing',
    role: rt.destinations.find((d) => destinationId(d.to) === destinationId(f.to))?.role ?? 'dpo',
    to: f.to,
    reason: f.reason,
    since: f.since,
    waiting: f.waiting.length,
  });

  /** Sends `key` (a given-up alert) again with the case as it is now; false when there is nothing to send. */
  async function resend(key: string): Promise<boolean> {
    const d = await deps.outbox.get(key);
    const r = d ? await deps.store.reports.get(refOfGroup(d.group)) : undefined;
    if (!d || !r || r.status === 'closed') return false;
    const a = r.alerts.find((x) => x.key === key || `${K.alertAgain}:${x.key}` === key);
    if (!a || a.retiredAt) return false;
    // A person marked unreachable is settled without a call: this try is the one that finds out.
    if (d.to.userId) await deps.store.users.update(userKey(d.to.platform, d.to.userId), (u) => (u?.unreachable ? (({ unreachable: _gone, ...rest }) => rest)(u) : u));
    return deps.outbox.retry(key, await alerts.firstPrompt(r, a));
  }

  return {
    reachOf,
    firstSent,

    /**
     * What the reporter is told on the confirmation. A form sent again may find an alert already delivered
     * (`reached`); a report made just now cannot have one yet, so the outbox is not asked.
     */
    async confirmationReach(r: StoredReport, rt: Route, created: boolean): Promise<Reach> {
      if (!created && (await firstSent(r))) return 'reached';
      return reachOf(r, rt);
    },

    /**
     * A first alert (or its repeat) was settled. Sent: the destination works (what waited for it is sent
     * now), and the reporter hears once that the report has reached someone. Refused: the destination is
     * failing; the officers are told when that starts, the case goes to the deputies and admins if nobody
     * else can be reached, and a reporter who was told it was on its way hears that it is not yet.
     */
    async onAlertSettled(d: Delivery): Promise<void> {
      const r = await deps.store.reports.get(refOfGroup(d.group));
      if (!r) return;
      const at = now();
      if (d.status === 'sent') {
        const mended = await markWorking(deps.store, d.to, at);
        if (mended) {
          let sent = 0;
          for (const key of mended.waiting) if (key !== d.key && (await resend(key))) sent += 1;
          deps.log.info({ event: 'incident.route-mended', destination: destinationId(d.to), resent: sent }, 'incident: a DPO alert destination works again; the alerts waiting for it are sent');
        }
        const first = await firstSent(r);
        if (first?.key === d.key) await tellReporter(r, 'reached', t('reports.reporter.reached', { ref: r.ref }));
        return;
      }
      if (d.status !== 'unreachable' && d.status !== 'failed') return;
      const { entry, newly } = await markFailing(deps.store, d.to, d.error ?? d.status, d.key, at);
      const rt = await alerts.route();
      if (newly) await tellOfficers(rt, problemOf(rt, entry), destinationId(d.to), entry.since);
      if (r.status === 'closed') return;
      const synced = await alerts.sync(r, rt);
      const reach = reachOf(synced, rt);
      // Told "on its way" when it was made (no later than this destination was first seen failing), and
      // nothing has arrived since.
      if (reach !== 'sending' && r.reportedAt <= entry.since && !(await firstSent(synced))) await tellReporter(synced, 'waiting', t(`reports.reporter.waiting.${reach}`, { ref: r.ref }));
    },

    /**
     * Each tick: every failing destination the settings still name gets one alert again once RETRY_MS has
     * passed since the last try; the officers are reminded once a day while it lasts; and a school with no
     * DPO destination while cases are open hears so once a day.
     */
    async tick(rt: Route, openCases: number): Promise<void> {
      const at = now();
      for (const [id, f] of Object.entries(rt.failing)) {
        if (at.getTime() - Date.parse(f.lastTry) >= RETRY_MS) {
          for (const key of [...f.waiting].reverse()) {
            if (await resend(key)) {
              await markTried(deps.store, id, at);
              deps.log.info({ event: 'incident.route-retry', destination: id }, 'incident: trying a failing DPO alert destination again');
              break;
            }
          }
        }
        const days = Math.floor((at.getTime() - Date.parse(f.since)) / DAY);
        if (days > 0) await tellOfficers(rt, problemOf(rt, f), id, `${f.since}:${days}`);
      }
      if (openCases > 0) await this.noDpo(rt);
    },

    /** No DPO destination is set at all while a case needs one: the officers hear so, once a day. */
    async noDpo(rt: Route): Promise<void> {
      if (rt.destinations.some((d) => d.role === 'dpo')) return;
      await tellOfficers(rt, { kind: 'no-dpo' }, 'no-dpo', now().toISOString().slice(0, 10));
    },
  };
}

export type IncidentReach = ReturnType<typeof incidentReach>;
