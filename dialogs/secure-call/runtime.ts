/**
 * What the setup's handlers share: the dialog engine over the store, the view context, the view
 * for whatever stage a dialog is at, and the polite refusals (stale button, someone else's button).
 */
import type { Checked, DialogRecord } from '../../src/core/dialog/engine.js';
import { DialogEngine } from '../../src/core/dialog/engine.js';
import type { Reply, Turn } from '../../src/core/conversation.js';
import type { Deps } from '../../src/core/deps.js';
import type { GuidanceItem } from '../../src/core/guidance/schema.js';
import type { Prompt } from '../../src/core/prompt.js';
import type { Vars } from '../../src/core/strings.js';
import { SETUP_DIALOG, canCarryOn, isSetupStep, parseSetup, setupReducer, type SetupEffect, type SetupEvent, type SetupState } from './dialog.js';
import { kindQuestion, platformQuestion, startOffer, stepView, withLead, type SetupOffers, type SetupViewContext, type StepPanel } from './views.js';
import { summaryView } from './summary-views.js';

export type SetupRecord = DialogRecord<SetupState>;
export type SetupEngine = DialogEngine<SetupState, SetupEvent, SetupEffect>;

/** What the composition root switches on for the setup. */
export interface SetupOptions {
  /** Reminders are sent by a scheduler: only then is "Remind me before my next call" offered. */
  reminders?: boolean;
}

export interface SetupRuntime {
  deps: Deps;
  engine: SetupEngine;
  options: SetupOptions;
  /** The guidance items in the order of content/measures.yaml (the order the documents give them). */
  items: GuidanceItem[];
  t(key: string, vars?: Vars): string;
  /** The view context for this person; buttons act on `record` as it is now. */
  ctx(turn: Turn, record?: SetupRecord): Promise<SetupViewContext>;
  view(turn: Turn, record: SetupRecord, panel?: StepPanel): Promise<Prompt>;
  /** Channels the bot knows it is in, on the same platform and team as the teacher. */
  channels(turn: Turn): Promise<string[]>;
  /** Where "Send to IT" posts on this platform, when the settings name a contact SafeCall can reach. */
  itTarget(turn: Turn): Promise<string | undefined>;
  /** A setup the teacher has not finished (Back to my setup, Carry on). */
  inProgress(record: SetupRecord | undefined): record is SetupRecord;
  refused(turn: Turn, outcome: Exclude<Checked<SetupState>, { kind: 'ok' }>): Promise<Reply[]>;
}

function inMeasureOrder(deps: Deps): GuidanceItem[] {
  const rank = new Map(deps.guidance.measures.map((m, i) => [m.id, i]));
  const at = (item: GuidanceItem) => rank.get(item.id) ?? Number.MAX_SAFE_INTEGER;
  return [...deps.guidance.items].sort((a, b) => at(a) - at(b));
}

export function setupRuntime(deps: Deps, options: SetupOptions = {}): SetupRuntime {
  const items = inMeasureOrder(deps);
  // A walk saved with a step that is no longer one (done during a lesson) carries on without it.
  const known = new Set(items.filter(isSetupStep).map((i) => i.id));
  const engine: SetupEngine = new DialogEngine(
    // A checklist with nothing left to carry on is finished: the store lets it go a day later.
    { name: SETUP_DIALOG, reduce: setupReducer(items), parse: (raw) => parseSetup(raw, known), finished: (s) => s.stage === 'summary' && !canCarryOn(s) },
    deps.store.dialogs,
    deps.clock,
  );
  const t = (key: string, vars?: Vars) => deps.strings.t(key, vars);
  const has = (key: string) => deps.strings.has(key);

  async function channels(turn: Turn): Promise<string[]> {
    const teamId = turn.where.teamId ?? turn.who.teamId;
    return (await deps.store.conversations.list())
      .filter((c) => c.platform === turn.where.platform && c.kind === 'channel' && (!teamId || c.teamId === teamId))
      .map((c) => c.id)
      .sort();
  }

  async function itTarget(turn: Turn): Promise<string | undefined> {
    const contact = deps.school.itContact;
    if (turn.where.platform === 'slack') return contact?.slack;
    // Teams can only post where the bot has been added (a stored conversation reference).
    if (!contact?.teams) return undefined;
    const conversation = await deps.store.conversations.get(`teams:${contact.teams}`);
    return conversation?.reference ? contact.teams : undefined;
  }

  async function offers(turn: Turn, record?: SetupRecord): Promise<SetupOffers> {
    const summary = record?.data.stage === 'summary';
    const admin = record?.data.stage === 'step' && record.data.plan[record.data.index]?.admin;
    return {
      post: summary ? (await channels(turn)).length > 0 : false,
      remind: options.reminders === true,
      sendToIt: admin ? !!(await itTarget(turn)) : false,
      itName: deps.school.itContact?.name,
      itEmail: deps.school.itContact?.email,
    };
  }

  const ctx = async (turn: Turn, record?: SetupRecord): Promise<SetupViewContext> => ({
    t,
    has,
    guidance: deps.guidance,
    token: (arg = '') => (record ? engine.token(record, arg) : ''),
    offers: await offers(turn, record),
  });

  const view = async (turn: Turn, record: SetupRecord, panel?: StepPanel): Promise<Prompt> => {
    const c = await ctx(turn, record);
    switch (record.data.stage) {
      case 'platform':
        return platformQuestion(record.data, c);
      case 'kind':
        return kindQuestion(record.data, c);
      case 'step':
        return stepView(record.data, c, panel);
      case 'summary':
        return summaryView(record.data, c);
    }
  };

  return {
    deps,
    engine,
    options,
    items,
    t,
    ctx,
    view,
    channels,
    itTarget,
    inProgress: (record): record is SetupRecord => !!record && record.data.stage !== 'summary',
    async refused(turn, outcome) {
      if (outcome.kind === 'foreign') {
        const name = outcome.ownerName ?? t('setup.foreign.someone');
        deps.log.info({ dialog: SETUP_DIALOG, outcome: 'foreign' }, 'button pressed by someone other than its owner');
        return [{ mode: 'private', prompt: startOffer(t(`setup.foreign.${turn.who.platform}`, { name }), { t }) }];
      }
      deps.log.info({ dialog: SETUP_DIALOG, outcome: 'stale', current: !!outcome.current }, 'stale button');
      // A new post: the old message is left as it is, and the stale answer is not applied.
      if (outcome.current) return [{ mode: 'post', prompt: withLead(t('setup.stale'), await view(turn, outcome.current)) }];
      return [{ mode: 'post', prompt: startOffer(t('setup.staleNone'), { t }) }];
    },
  };
}
