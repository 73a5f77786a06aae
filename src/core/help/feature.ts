/** The welcome, help card and App Home: what SafeCall does and how to start. */
import type { Platform } from '../conversation.js';
import type { Deps } from '../deps.js';
import { prompt, type Prompt } from '../prompt.js';
import { documentName } from '../guidance/answer.js';

/** Action ids owned by other features, referenced by the help card's buttons. */
export interface HelpButtons {
  setup: string;
  topics: string;
  emergency: string;
  /** Starts an incident report (dialogs/incidents). */
  report: string;
}

/** The source documents by their one name each (strings sources.<id>), as every other message names them. */
function sourceNames(deps: Deps): string {
  return deps.guidance.sources.documents.map((d) => documentName(deps, d.id)).join('; ');
}

export function helpPrompt(deps: Deps, platform: Platform, buttons: HelpButtons, opts: { welcome?: boolean; lead?: string } = {}): Prompt {
  // With no school name in the settings, the texts that would name it have a wording of their own.
  const named = (k: string) => (deps.school.name ? k : `${k}Unnamed`);
  const t = (k: string) => deps.strings.t(`help.${k}`, { school: deps.school.name ?? '' });
  return prompt([
    ...(opts.lead ? [{ kind: 'text' as const, text: opts.lead }] : []),
    ...(opts.welcome ? [{ kind: 'text' as const, text: t(named('welcome')) }] : []),
    { kind: 'heading', text: t('title') },
    { kind: 'text', text: t('intro') },
    { kind: 'heading', text: t('howTo.heading') },
    { kind: 'steps', ordered: false, items: [t('howTo.setup'), t('howTo.ask'), t('howTo.emergency'), t('howTo.report')] },
    {
      kind: 'actions',
      buttons: [
        { action: buttons.setup, label: t('buttons.setup'), style: 'primary' },
        { action: buttons.topics, label: t('buttons.topics') },
        { action: buttons.emergency, label: t('buttons.emergency'), style: 'danger' },
        { action: buttons.report, label: t('buttons.report') },
      ],
    },
    { kind: 'note', text: platform === 'slack' ? t('slackHint') : t('teamsHint') },
    { kind: 'note', text: deps.strings.t('help.note', { sources: sourceNames(deps) }) },
  ]);
}
