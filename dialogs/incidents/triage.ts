/**
 * The DPO's buttons and forms on an alert. Only the admins and DPO named in the settings may act; anyone
 * else is told "not permitted" and the attempt is logged with ids only. Every change is a timeline entry
 * appended by compare-and-set; the alert the DPO is looking at is redrawn by the reply, the others
 * through the outbox.
 */
import type { Reply, Turn } from '../../src/core/conversation.js';
import { isOfficer, type Deps } from '../../src/core/deps.js';
import { nonce } from '../../src/core/nonce.js';
import { appendEntry, closeRefusal, reportState, withAwareness, type StoredReport, type TimelineEntry } from '../../src/core/records/report.js';
import { INCIDENT_KINDS as K, REPORT_ACTIONS as A } from './ids.js';
import type { IncidentAlerts } from './alerts.js';
import { checkTriage, formState, readState, triageForm, triageFormOf, type TriageForm, type TriageInput } from './triage-forms.js';
import { REMINDER_HOURS, ICO_HOURS } from '../../src/core/records/report.js';


const note = (text: string) => ({ fallback: text, blocks: [{ kind: 'text' as const, text }] });

export const deadlineTimerKey = (ref: string, hour: number) => `${K.deadline}:${ref}:${hour}`;

const FORM_ACTIONS: Record<string, TriageForm> = { [A.risk]: 'risk', [A.decision]: 'decision', [A.told]: 'told', [A.note]: 'note', [A.aware]: 'aware' };

/**
 * `onAwareness`: the DPO recorded another awareness time, which moved the deadline: the policy moves the
 * reminder and escalation timers (policy.ts setDeadlineTimers).
 */
export function triageHandlers(deps: Deps, alerts: IncidentAlerts, onAwareness: (r: StoredReport) => Promise<void> = async () => undefined) {
  const t = (k: string, vars?: Record<string, string | number>) => deps.strings.t(k, vars);

  function refuse(turn: Turn, what: string): Reply[] {
    deps.log.warn({ event: 'incident.not-permitted', what, platform: turn.who.platform, user: turn.who.id }, 'incident: someone not permitted tried a DPO action');
    return [{ mode: 'private', prompt: note(t('reports.triage.notPermitted')) }];
  }

  /**
   * Appends `entry` (once, by its id) to an open case, in one conditional write that judges the case as it
   * is at that write, not as it was read: a case closed meanwhile gets nothing more. Resolves to the report
   * as written (unchanged when refused) and why it was refused, if it was.
   */
  async function append(ref: string, entry: TimelineEntry): Promise<{ written?: StoredReport; refused?: 'closed' }> {
    let refused: 'closed' | undefined;
    const written = await deps.store.reports.update(ref, (current) => {
      refused = undefined;
      if (!current || current.timeline.some((e) => e.id === entry.id)) return current;
      if (current.status === 'closed') {
        refused = 'closed';
        return current;
      }
      return appendEntry(current, entry);
    });
    return { written, refused };
  }

  /**
   * Closes the case: the `closed` entry, the status and closedAt in one conditional write, made only if the
   * case as it is at that write may close (a high risk assessed a moment before leaves it open). An entry
   * `closed` left by an earlier SafeCall's race on a case still open gets a fresh id beside it.
   */
  async function close(ref: string, at: string, by: TimelineEntry['by']): Promise<{ written?: StoredReport; refused?: ReturnType<typeof closeRefusal> }> {
    let refused: ReturnType<typeof closeRefusal>;
    const written = await deps.store.reports.update(ref, (current) => {
      refused = current ? closeRefusal(current) : undefined;
      if (!current || refused) return current;
      const id = current.timeline.some((e) => e.id === 'closed') ? `closed-${current.timeline.length}` : 'closed';
      return { ...appendEntry(current, { id, kind: 'closed', at, by }), status: 'closed', closedAt: at };
    });
    return { written, refused };
  }

  /** The replies after a change: the pressed alert redrawn by `update`, the others through the outbox. */
  async function redraw(turn: Turn, r: StoredReport, fromForm: boolean): Promise<Reply[]> {
    const version = String(r.timeline.length);
    // On Teams a form is a card of its own: it becomes the "recorded" note, and every alert is redrawn.
    if (fromForm && turn.where.platform === 'teams') {
      await alerts.refresh(r, version);
      return [{ mode: 'private', prompt: note(t('reports.triage.saved', { ref: r.ref })) }];
    }
    await alerts.refresh(r, version, { platform: turn.where.platform, conversationId: turn.where.id });
    return [{ mode: 'update', prompt: await alerts.view(r) }];
  }

  const by = (turn: Turn) => ({ platform: turn.who.platform, id: turn.who.id });

  async function cancelTimers(ref: string): Promise<void> {
    for (const h of [...REMINDER_HOURS, ICO_HOURS]) await deps.timers.cancel(deadlineTimerKey(ref, h));
  }

  function entryFor(input: TriageInput, id: string, turn: Turn): TimelineEntry {
    const base = { id, at: deps.clock.now().toISOString(), by: by(turn) };
    const seal = (s: string | undefined) => (s === undefined ? {} : { text: deps.sealer.seal(s) });
    switch (input.which) {
      case 'risk':
        return { ...base, kind: 'risk', risk: input.risk, ...seal(input.text) };
      case 'decision':
        return {
          ...base,
          kind: 'decision',
          decision: input.decision,
          ...(input.icoRef ? { icoRef: input.icoRef } : {}),
          ...seal(input.text),
          ...(input.delayReason ? { delayReason: deps.sealer.seal(input.delayReason) } : {}),
          ...(input.late ? { late: true } : {}),
        };
      case 'told':
        return { ...base, kind: 'told', toldAt: input.toldAt.toISOString(), ...seal(input.text) };
      case 'note':
        return { ...base, kind: input.kind, ...seal(input.text) };
      case 'aware':
        return { ...base, kind: 'aware', awareAt: input.awareAt.toISOString(), ...seal(input.text) };
    }
  }

  return {
    async onAction(turn: Turn, action: string, value: string): Promise<Reply[]> {
      if (!isOfficer(deps.roles, turn.who)) return refuse(turn, action);
      const r = await deps.store.reports.get(value);
      if (!r) return [{ mode: 'private', prompt: note(t('reports.triage.unknown')) }];
      const form = FORM_ACTIONS[action];
      if (form) {
        if (r.status === 'closed') return [{ mode: 'private', prompt: note(t('reports.triage.closed', { ref: r.ref })) }];
        if (form === 'decision' && reportState(r).decision) return [{ mode: 'private', prompt: note(t('reports.triage.alreadyDecided', { ref: r.ref })) }];
        if (form === 'aware' && reportState(r).decision) return [{ mode: 'private', prompt: note(t('reports.triage.awareDecided', { ref: r.ref })) }];
        return [{ mode: 'modal', prompt: triageForm(form, deps.strings, r, formState(r.ref, nonce()), deps.clock.now()) }];
      }
      const at = deps.clock.now().toISOString();
      if (action === A.acknowledge) {
        if (r.status === 'closed') return [{ mode: 'update', prompt: await alerts.view(r) }];
        const { written, refused } = await append(r.ref, { id: 'acknowledged', kind: 'acknowledged', at, by: by(turn) });
        if (!written) return [{ mode: 'private', prompt: note(t('reports.triage.unknown')) }];
        if (refused) return [{ mode: 'update', prompt: await alerts.view(written) }];
        deps.log.info({ event: 'incident.acknowledged', ref: r.ref }, 'incident acknowledged');
        return redraw(turn, written, false);
      }
      if (action === A.close) {
        const { written, refused: why } = await close(r.ref, at, by(turn));
        if (!written) return [{ mode: 'private', prompt: note(t('reports.triage.unknown')) }];
        if (why === 'closed') return [{ mode: 'update', prompt: await alerts.view(written) }];
        if (why) {
          if (closeRefusal(r) === undefined) deps.log.info({ event: 'incident.close-refused', ref: r.ref, reason: why }, 'incident: the case changed as it was being closed; it stays open');
          return [{ mode: 'private', prompt: note(t(`reports.triage.${why}`, { ref: r.ref })) }];
        }
        await cancelTimers(r.ref);
        deps.log.info({ event: 'incident.closed', ref: r.ref }, 'incident closed');
        return redraw(turn, written, false);
      }
      deps.log.warn({ action }, 'incident: unknown action');
      return [{ mode: 'private', prompt: note(t('reports.triage.unknown')) }];
    },

    /** True when `formId` is one of the DPO's forms. */
    owns: (formId: string) => triageFormOf(formId) !== undefined,

    async onForm(turn: Turn, formId: string, values: Record<string, string>, state?: string): Promise<Reply[]> {
      const which = triageFormOf(formId)!;
      if (!isOfficer(deps.roles, turn.who)) return refuse(turn, formId);
      const s = readState(state);
      const r = s ? await deps.store.reports.get(s.ref) : undefined;
      if (!s || !r) return [{ mode: 'private', prompt: note(t('reports.triage.unknown')) }];
      if (r.timeline.some((e) => e.id === s.id)) return redraw(turn, r, true);
      if (r.status === 'closed') return [{ mode: 'private', prompt: note(t('reports.triage.closed', { ref: r.ref })) }];
      const now = deps.clock.now();
      // One ICO decision per case: a second form (another officer's, opened before the first was saved) is told so.
      const decided = (x: StoredReport) => (which === 'decision' || which === 'aware') && reportState(x).decision !== undefined;
      const refusedDecided = () => [{ mode: 'private' as const, prompt: note(t(which === 'aware' ? 'reports.triage.awareDecided' : 'reports.triage.alreadyDecided', { ref: r.ref })) }];
      if (decided(r)) return refusedDecided();
      const checked = checkTriage(which, values, r, now, deps.strings);
      if (!checked.ok) return [{ mode: 'form-errors', errors: checked.errors, prompt: triageForm(which, deps.strings, r, state!, now, values, checked.errors) }];
      // One conditional write judging the case as it is then: closed or decided meanwhile, nothing is added.
      let lost: 'closed' | 'decided' | undefined;
      const written = await deps.store.reports.update(r.ref, (current) => {
        lost = undefined;
        if (!current) return undefined;
        if (current.timeline.some((e) => e.id === s.id)) return current;
        lost = current.status === 'closed' ? 'closed' : decided(current) ? 'decided' : undefined;
        if (lost) return current;
        const entry = entryFor(checked.input, s.id, turn);
        // The awareness time and the deadline it moves are written with the entry that records them.
        return entry.kind === 'aware' && entry.awareAt ? withAwareness(current, { ...entry, awareAt: entry.awareAt }) : appendEntry(current, entry);
      });
      if (!written) return [{ mode: 'private', prompt: note(t('reports.triage.unknown')) }];
      if (lost === 'closed') {
        deps.log.info({ event: `incident.${which}-refused`, ref: r.ref, reason: 'closed' }, 'incident: a form saved after the case was closed was refused');
        return [{ mode: 'private', prompt: note(t('reports.triage.closed', { ref: r.ref })) }];
      }
      if (lost === 'decided') {
        deps.log.info({ event: 'incident.decision-refused', ref: r.ref, reason: 'already-decided' }, 'incident: a second ICO decision was refused');
        return refusedDecided();
      }
      if (checked.input.which === 'decision') await cancelTimers(r.ref);
      if (checked.input.which === 'aware') await onAwareness(written);
      deps.log.info({ event: `incident.${which}`, ref: r.ref }, 'incident updated');
      return redraw(turn, written, true);
    },
  };
}
