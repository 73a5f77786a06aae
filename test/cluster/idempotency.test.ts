/**
 * Two instances over one store (issue 15): what one instance did, the other sees through the store, so the
 * same press or form through both has one effect. Feature level, two Worlds sharing one memory store; the
 * store's putIf is the only thing they share.
 */
import { REPORT_ACTIONS as A, TRIAGE_FIELDS as T } from '../../dialogs/incidents/ids.js';
import { World, PEOPLE, DM, DPO_CHANNEL, formOf, goodValues, textOf } from '../dialogs/incidents.harness.js';
import type { Prompt } from '../../src/core/prompt.js';

const REF = 'INC-2027-0001';

async function pair() {
  const a = new World();
  const b = new World({ store: a.store });
  b.now = a.now;
  await a.submit(PEOPLE.pupil, DM, formOf(await a.command(PEOPLE.pupil, DM, 'report')), goodValues(a.now));
  return { a, b };
}

test('the DPO decision sent through A and B at the same moment is recorded once', async () => {
  const { a, b } = await pair();
  const fa = formOf(await a.action(PEOPLE.dpo, DPO_CHANNEL, A.decision, REF));
  const fb = formOf(await b.action(PEOPLE.dpo, DPO_CHANNEL, A.decision, REF));
  const values = { [T.decision]: 'reported', [T.icoRef]: 'IC-123456-A1B2' };
  const [ra, rb] = await Promise.all([a.submit(PEOPLE.dpo, DPO_CHANNEL, fa, values), b.submit(PEOPLE.dpo, DPO_CHANNEL, fb, values)]);
  const r = (await a.store.reports.get(REF))!;
  expect(r.timeline.map((e) => e.kind)).toEqual(['decision']);
  // Both are answered: one with the redrawn alert, the other told plainly that the case was already decided.
  const texts = [ra, rb].map((rs) => rs.map((x) => ('prompt' in x ? textOf(x.prompt as Prompt) : '')).join('\n'));
  expect(texts.filter((x) => /already/i.test(x))).toHaveLength(1);
});

test('Acknowledge pressed on A and B at once: one acknowledgement', async () => {
  const { a, b } = await pair();
  await Promise.all([a.action(PEOPLE.dpo, DPO_CHANNEL, A.acknowledge, REF), b.action(PEOPLE.dpo, DPO_CHANNEL, A.acknowledge, REF)]);
  expect((await a.store.reports.get(REF))!.timeline.map((e) => e.kind)).toEqual(['acknowledged']);
});
