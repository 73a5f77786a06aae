/**
 * Every prompt the incident flows produce, at the longest values the forms accept, goes through both
 * renderers: Slack (Block Kit limits, the modal's private_metadata with a full envelope under 3,000
 * characters) and Teams (a valid Adaptive Card 1.5), with button labels that fit a Teams card.
 */
import type { Reply } from '../../src/core/conversation.js';
import type { Prompt } from '../../src/core/prompt.js';
import { renderMessage } from '../../src/slack/render.js';
import { modalView, PRIVATE_METADATA_LIMIT } from '../../src/slack/deliver.js';
import { MAX_BUTTON_LABEL, renderCard } from '../../src/teams/render.js';
import { expectWithinSlackLimits } from '../helpers/slack-limits.js';
import { expectValidCard } from '../helpers/validate-card.js';
import { REPORT_ACTIONS as A, TRIAGE_FIELDS as T } from '../../dialogs/incidents/ids.js';
import { World, PEOPLE, DM, DPO_CHANNEL, formOf, goodValues } from './incidents.harness.js';

const long = (n: number) => 'Ünïcode & <tags> **not bold** [no](https://link) '.repeat(Math.ceil(n / 48)).slice(0, n);

async function everything(): Promise<Prompt[]> {
  const w = new World();
  const replies: Reply[] = [];
  const keep = (r: Reply[]) => (replies.push(...r), r);
  const form = formOf(keep(await w.command(PEOPLE.pupil, DM, 'report')));
  keep(await w.submit(PEOPLE.pupil, DM, form, goodValues(w.now, { what: '' })));
  const max = goodValues(w.now, { what: long(3000), meeting: long(200), done: long(3000), evidence: long(3000), told: long(200), whose: 'students,staff,parents' });
  keep(await w.submit(PEOPLE.pupil, DM, form, max));
  // A second report, left undecided, for the late decision form (one ICO decision per case).
  keep(await w.submit(PEOPLE.pupil, DM, formOf(await w.command(PEOPLE.pupil, DM, 'report')), goodValues(w.now)));
  keep(await w.command(PEOPLE.pupil, DM, 'mine'));
  const ref = 'INC-2027-0001';
  const undecided = 'INC-2027-0002';
  keep(await w.action(PEOPLE.dpo, DPO_CHANNEL, A.acknowledge, ref));
  const steps: [string, Record<string, string>][] = [
    [A.risk, { [T.risk]: 'high', [T.consequences]: long(3000) }],
    [A.decision, { [T.decision]: 'reported', [T.icoRef]: long(60) }],
    [A.told, { [T.toldAt]: w.now.toISOString(), [T.how]: long(3000) }],
    [A.note, { [T.kind]: 'fact', [T.note]: long(3000) }],
  ];
  for (const [action, values] of steps) {
    const f = formOf(keep(await w.action(PEOPLE.dpo, DPO_CHANNEL, action, ref)));
    keep(await w.submit(PEOPLE.dpo, DPO_CHANNEL, f, {}));
    keep(await w.submit(PEOPLE.dpo, DPO_CHANNEL, f, values));
  }
  w.advance(80);
  const late = formOf(keep(await w.action(PEOPLE.dpo, DPO_CHANNEL, A.decision, undecided)));
  keep(await w.submit(PEOPLE.dpo, DPO_CHANNEL, late, { [T.decision]: 'reported' }));
  keep(await w.action(PEOPLE.dpo, DPO_CHANNEL, A.close, ref));
  keep(await w.action(PEOPLE.teacher, DPO_CHANNEL, A.close, ref));
  keep(await w.command(PEOPLE.dpo, DPO_CHANNEL, 'log'));
  const queued = (await w.deliveries()).map((d) => d.prompt!);
  return [...replies.flatMap((r) => ('prompt' in r ? [r.prompt] : [])), ...queued];
}

test('every prompt renders within Slack limits and as a valid Teams card; forms fit a modal with a full envelope', async () => {
  const prompts = await everything();
  expect(prompts.length).toBeGreaterThan(20);
  const envelope = { channel: 'C0123456789', messageTs: '1700000000.000100', ephemeral: false, responseUrl: `https://hooks.slack.com/actions/T0123/${'9'.repeat(13)}/${'x'.repeat(24)}` };
  let forms = 0;
  for (const p of prompts) {
    expectValidCard(renderCard(p, { timeZone: 'Europe/London' }));
    for (const b of p.blocks) if (b.kind === 'actions') for (const x of b.buttons) expect(x.label.length).toBeLessThanOrEqual(MAX_BUTTON_LABEL);
    if (p.form) {
      forms += 1;
      const view = modalView(p, envelope);
      expect(view.private_metadata.length).toBeLessThan(PRIVATE_METADATA_LIMIT);
      // The full envelope was kept: nothing had to be left out to fit.
      expect(JSON.parse(view.private_metadata)).toMatchObject({ responseUrl: envelope.responseUrl, state: p.form.state });
      expectWithinSlackLimits(view);
    } else for (const m of renderMessage(p)) expectWithinSlackLimits(m);
  }
  expect(forms).toBeGreaterThan(8);
});
