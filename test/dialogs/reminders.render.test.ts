/**
 * Every reminder the policy and the buttons can produce goes through both renderers: Slack within Block
 * Kit's limits, Teams a valid Adaptive Card 1.5 with button labels it shows whole.
 */
import { renderMessage } from '../../src/slack/render.js';
import { MAX_BUTTON_LABEL, renderCard } from '../../src/teams/render.js';
import { expectWithinSlackLimits } from '../helpers/slack-limits.js';
import { expectValidCard } from '../helpers/validate-card.js';
import type { Prompt } from '../../src/core/prompt.js';
import { school } from './reminders.harness.js';

const TERMS = [
  { name: 'Autumn 2026', start: '2026-09-02', end: '2026-12-18' },
  { name: 'Summer 2027', start: '2027-04-12', end: '2027-07-21' },
];

async function everyPrompt(): Promise<Prompt[]> {
  const s = school({ now: '2026-12-18T15:00:00Z', settings: { terms: TERMS, reminders: { maxFollowUps: 1, catchUpDays: 60 }, dpiaSignedOff: '2026-06-18', slack: { dpo: ['U-DPO'], admins: ['U-ADMIN'] } } });
  const names = ['zoom', 'teams', 'meet', undefined] as const;
  for (const [i, p] of names.entries()) await s.meet({ platform: i % 2 ? 'teams' : 'slack', id: `U${i}`, name: `Teacher ${i} with a rather long name`, ...(p ? { prefs: { callPlatform: p } } : {}) });
  for (let i = 0; i < 60; i++) await s.meet({ platform: 'slack', id: `UX${i}`, name: `Person number ${i}` });
  await s.tick();
  const replies = [
    ...(await s.press({ platform: 'slack', id: 'U0' }, 'remind.snooze', 'term-end:2026-12-18')),
    ...(await s.press({ platform: 'teams', id: 'U1' }, 'remind.none', 'term-end:2026-12-18')),
    ...(await s.press({ platform: 'slack', id: 'U2' }, 'remind.stop', 'term-end:2026-12-18')),
    ...(await s.press({ platform: 'slack', id: 'U2' }, 'remind.resume', 'term-end:2026-12-18')),
    ...(await s.press({ platform: 'slack', id: 'U3' }, 'remind.done', 'term-end:2026-12-18')),
    ...(await s.press({ platform: 'slack', id: 'U3' }, 'remind.steps', 'teams|term-end:2026-12-18')),
    ...(await s.say({ platform: 'slack', id: 'U-ADMIN' }, 'terms')),
  ];
  for (const at of ['2026-12-20T15:00:00Z', '2026-12-21T15:00:00Z', '2026-12-24T15:00:00Z', '2027-07-21T14:00:00Z']) {
    s.clock.set(at);
    await s.tick();
  }
  const prompts = [...(await s.deliveries()).map((d) => d.prompt!), ...replies.map((r) => r.prompt)];
  const kinds = new Set((await s.deliveries()).map((d) => d.kind));
  expect([...kinds].sort()).toEqual(['reminder.dpia-review', 'reminder.summary', 'reminder.term-end']);
  return prompts;
}

test('every reminder renders on Slack within limits and on Teams as a valid card', async () => {
  const prompts = await everyPrompt();
  expect(prompts.length).toBeGreaterThan(100);
  for (const p of prompts) {
    for (const m of renderMessage(p)) expectWithinSlackLimits(m);
    const card = renderCard(p);
    expectValidCard(card.content);
    for (const b of p.blocks.flatMap((x) => (x.kind === 'actions' ? x.buttons : []))) expect(b.label.length).toBeLessThanOrEqual(MAX_BUTTON_LABEL);
  }
});
