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
import { SETUP_DIALOG, parseSetup, setupReducer, type SetupEffect, type SetupEvent, type SetupState } from './dialog.js';
import { kindQuestion, platformQuestion, startOffer, stepView, withLead, type SetupViewContext, type StepPanel } from './views.js';
import { summaryView } from './summary-views.js';

export type SetupRecord = DialogRecord<SetupState>;
export type SetupEngine = DialogEngine<SetupState, SetupEvent, SetupEffect>;

export interface SetupRuntime {
  deps: Deps;
  engine: SetupEngine;
  /** The guidance items in the order of content/measures.yaml (the order the documents give them). */
  items: GuidanceItem[];
  t(key: string, vars?: Vars): string;
  /** The view context; buttons act on `record` as it is now. */
  ctx(record?: SetupRecord): SetupViewContext;
  view(record: SetupRecord, panel?: StepPanel): Prompt;
  /** A setup the teacher has not finished (Back to my setup, Carry on). */
  inProgress(record: SetupRecord | undefined): record is SetupRecord;
  refused(turn: Turn, outcome: Exclude<Checked<SetupState>, { kind: 'ok' }>): Reply[];
}

function inMeasureOrder(deps: Deps): GuidanceItem[] {
  const rank = new Map(deps.guidance.measures.map((m, i) => [m.id, i]));
  const at = (item: GuidanceItem) => rank.get(item.id) ?? Number.MAX_SAFE_INTEGER;
  return [...deps.guidance.items].sort((a, b) => at(a) - at(b));
}

export function setupRuntime(deps: Deps): SetupRuntime {
  const items = inMeasureOrder(deps);
  const known = new Set(items.map((i) => i.id));
  const engine: SetupEngine = new DialogEngine(
    { name: SETUP_DIALOG, reduce: setupReducer(items), parse: (raw) => parseSetup(raw, known) },
    deps.store.dialogs,
    deps.clock,
  );
  const t = (key: string, vars?: Vars) => deps.strings.t(key, vars);
  const has = (key: string) => deps.strings.has(key);

  const ctx = (record?: SetupRecord): SetupViewContext => ({
    t,
    has,
    guidance: deps.guidance,
    token: (arg = '') => (record ? engine.token(record, arg) : ''),
  });

  const view = (record: SetupRecord, panel?: StepPanel): Prompt => {
    const c = ctx(record);
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
    items,
    t,
    ctx,
    view,
    inProgress: (record): record is SetupRecord => !!record && record.data.stage !== 'summary',
    refused(turn, outcome) {
      if (outcome.kind === 'foreign') {
        const name = outcome.ownerName ?? t('setup.foreign.someone');
        deps.log.info({ dialog: SETUP_DIALOG, outcome: 'foreign' }, 'button pressed by someone other than its owner');
        return [{ mode: 'private', prompt: startOffer(t(`setup.foreign.${turn.who.platform}`, { name }), { t }) }];
      }
      deps.log.info({ dialog: SETUP_DIALOG, outcome: 'stale', current: !!outcome.current }, 'stale button');
      // A new post: the old message is left as it is, and the stale answer is not applied.
      if (outcome.current) return [{ mode: 'post', prompt: withLead(t('setup.stale'), view(outcome.current)) }];
      return [{ mode: 'post', prompt: startOffer(t('setup.staleNone'), { t }) }];
    },
  };
}
