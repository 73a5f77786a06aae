/**
 * The DPO's side of delivery: where alerts go on each platform, the alert sent when a report is made, and
 * the alert redrawn in place (through the outbox, by `updateOf`) as the case moves. Everything goes through
 * the durable outbox under keys made from the reference, so a retry or a restart never sends twice.
 */
import type { Deps } from '../../src/core/deps.js';
import { userKey } from '../../src/core/ports.js';
import type { Address, Delivery, OutboxItem } from '../../src/core/schedule/types.js';
import { openFacts, type AlertRef, type StoredReport } from '../../src/core/records/report.js';
import { INCIDENT_KINDS as K } from './ids.js';
import { dpoDestinations } from '../../src/core/dpo.js';
import { alertView, type ViewContext } from './views.js';

export interface IncidentOptions {
  /** settings slack.dpoChannel. */
  slackDpoChannel?: string;
  /** settings reports.retentionDays: closed reports are deleted this long after closing. */
  retentionDays?: number;
}

export function incidentAlerts(deps: Deps, options: IncidentOptions) {
  const ctx = (): ViewContext => ({ strings: deps.strings, timezone: deps.school.timezone, now: deps.clock.now() });

  /**
   * On each platform: the DPO channel (Slack: the settings, else one set by "set dpo channel"; Teams: the
   * conversation set there), else a direct message to each DPO named in the settings.
   */
  async function destinations(): Promise<Address[]> {
    return dpoDestinations(deps.store, { slackChannel: options.slackDpoChannel, dpo: deps.roles.dpo });
  }

  const alertKey = (ref: string, a: Address) => `${K.alert}:${ref}:${a.platform}:${a.conversationId ?? `user:${a.userId ?? ''}`}`;

  async function plannedAlerts(ref: string): Promise<AlertRef[]> {
    return (await destinations()).map((a) => ({ key: alertKey(ref, a), platform: a.platform, ...(a.conversationId ? { conversationId: a.conversationId } : {}), ...(a.userId ? { userId: a.userId } : {}) }));
  }

  const againKey = (firstKey: string) => `${K.alertAgain}:${firstKey}`;

  const addressOf = (a: AlertRef): Address => ({ platform: a.platform, ...(a.conversationId ? { conversationId: a.conversationId } : {}), ...(a.userId ? { userId: a.userId } : {}) });

  /** The names of the people on the timeline, as the bot last saw them (ids where it never did). */
  async function names(r: StoredReport): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const e of r.timeline) {
      if (e.by.platform === 'system' || out[e.by.id]) continue;
      const known = await deps.store.users.get(userKey(e.by.platform, e.by.id));
      if (known?.name) out[e.by.id] = known.name;
    }
    return out;
  }

  const view = async (r: StoredReport, fresh = false) => alertView(ctx(), r, openFacts(r, deps.sealer), { fresh, names: await names(r) });

  return {
    destinations,
    plannedAlerts,
    view,

    /** The first alert, to every destination recorded on the report. Idempotent. */
    async send(r: StoredReport): Promise<void> {
      const p = await view(r, true);
      const items: OutboxItem[] = r.alerts.map((a) => ({ key: a.key, kind: K.alert, group: `incident:${r.ref}`, to: addressOf(a), prompt: p }));
      if (items.length) await deps.outbox.enqueue(items);
      else deps.log.warn({ ref: r.ref }, 'incident: no DPO destination is set on either platform; the report is stored, nobody was alerted');
    },

    /**
     * The first alert once more, to the one destination whose first alert a restart cut short where the
     * platform cannot be asked whether it arrived (`uncertain`: a Slack channel, which SafeCall has no scope
     * to read, or Teams). A repeat that says so is better than an ICO clock running unseen until the 24-hour
     * reminder. Idempotent (its key is the first's); later redraws go to it (`refresh`).
     */
    async again(r: StoredReport, first: Delivery): Promise<void> {
      if (await deps.outbox.get(againKey(first.key))) return;
      const p = await view(r, true);
      const lead = deps.strings.t('reports.alert.again');
      await deps.outbox.enqueue([
        { key: againKey(first.key), kind: K.alertAgain, group: `incident:${r.ref}`, to: first.to, prompt: { ...p, fallback: `${lead} ${p.fallback}`, blocks: [{ kind: 'text', text: lead }, ...p.blocks] } },
      ]);
    },

    /**
     * Redraws the alerts in place, except the one the DPO is looking at (its `update` reply does that).
     * `version` makes each redraw's key unique (the timeline's length, or a timer's hour).
     */
    async refresh(r: StoredReport, version: string, skip?: { platform: string; conversationId: string }): Promise<void> {
      const p = await view(r);
      const items: OutboxItem[] = [];
      for (const a of r.alerts) {
        // The alert sent again (above) is the one on screen when the first was cut short.
        const first = await deps.outbox.get(a.key);
        const repeat = first?.status === 'uncertain' ? await deps.outbox.get(againKey(a.key)) : undefined;
        const shown = repeat ?? first;
        if (skip) {
          const where = shown?.ref?.conversationId ?? a.conversationId;
          if (a.platform === skip.platform && where === skip.conversationId) continue;
        }
        items.push({ key: `${K.alertUpdate}:${r.ref}:${version}:${a.key}`, kind: K.alertUpdate, group: `incident:${r.ref}`, to: addressOf(a), prompt: p, updateOf: repeat ? againKey(a.key) : a.key });
      }
      if (items.length) await deps.outbox.enqueue(items);
    },

    /** A new message to every destination (a reminder, the overdue notice). */
    async notify(r: StoredReport, what: string, text: string): Promise<void> {
      const items: OutboxItem[] = r.alerts.map((a) => ({
        key: `${K.reminder}:${r.ref}:${what}:${a.key}`,
        kind: K.reminder,
        group: `incident:${r.ref}`,
        to: addressOf(a),
        prompt: { fallback: text, blocks: [{ kind: 'text', text }] },
      }));
      if (items.length) await deps.outbox.enqueue(items);
    },
  };
}

export type IncidentAlerts = ReturnType<typeof incidentAlerts>;
