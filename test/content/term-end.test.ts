/**
 * The term-end item and its reminder (issue 24). SafeCall reminds every teacher at the end of every term, and the
 * reminder shows the item's steps for the teacher's platform; closing an account no longer needed is for the end
 * of the school year only, so it is said by the summer term's reminder alone (strings reminders.termEnd.summer)
 * and never by a step, which every term's reminder shows.
 */
import { loadContent } from '../../src/content/load.js';
import { plainText } from '../../src/core/prompt.js';
import { CALL_PLATFORMS } from '../../src/core/guidance/schema.js';
import { DELETE_RECORDINGS_ITEM, termEndPrompt, type ViewContext } from '../../dialogs/reminders/views.js';

const content = loadContent();
const ctx: ViewContext = { t: (k, v) => content.strings.t(k, v), guidance: content.guidance };
const ACCOUNT = /\baccount\b/i;
const summerLine = content.strings.t('reminders.termEnd.summer');

test.each(CALL_PLATFORMS)('on %s, an autumn or spring reminder never asks to close an account; the summer one does, once', (p) => {
  const autumn = plainText(termEndPrompt(ctx, { round: 'r1', termName: 'Autumn term', summer: false, callPlatform: p, occasion: 'first' }).blocks);
  const summer = plainText(termEndPrompt(ctx, { round: 'r3', termName: 'Summer term', summer: true, callPlatform: p, occasion: 'first' }).blocks);
  expect(autumn).not.toMatch(ACCOUNT);
  expect(autumn).not.toMatch(/summer/i);
  expect(summer.split(summerLine).length - 1).toBe(1);
  expect(summer.match(/close it|close .*account/gi)).toHaveLength(1);
});

test('the item is for every term: no step says the summer term, and its title says each term', () => {
  const item = content.guidance.byId.get(DELETE_RECORDINGS_ITEM)!;
  expect(item.title).toMatch(/each term/);
  for (const p of CALL_PLATFORMS) {
    const steps = [...item.platforms[p].steps, item.platforms[p].alternative ?? ''].join('\n');
    expect({ p, steps }).not.toEqual({ p, steps: expect.stringMatching(/summer|account/i) });
  }
  // The item itself still says when an account is closed (the why a teacher reads when they ask).
  expect(item.why).toMatch(/At the end of the summer term, also close any call account you no longer need/);
});
