/**
 * The "not confirmed" mark (issue 24): a platform block no vendor page fully confirms is marked, visibly and once
 * per item, wherever the setup shows it: a step card, the list for IT (card and plain copy) and the playbook
 * (its steps and each related control). The playbook's first reply also says how to stop someone drawing on the
 * screen, before any platform is known.
 */
import { loadContent } from '../../src/content/load.js';
import { plainText, type Prompt } from '../../src/core/prompt.js';
import type { CallPlatform, Guidance } from '../../src/core/guidance/schema.js';
import { howTo, itListText, stepView, type SetupViewContext } from '../../dialogs/secure-call/views.js';
import { emergencyPlatformQuestion, playbook } from '../../dialogs/secure-call/emergency-views.js';
import { newSetup, planCards, type SetupState } from '../../dialogs/secure-call/dialog.js';

const content = loadContent();
const ctx = (guidance: Guidance = content.guidance): SetupViewContext => ({
  t: (k, v) => content.strings.t(k, v),
  has: (k) => content.strings.has(k),
  guidance,
  token: (arg) => `tok:${arg ?? ''}`,
  offers: { post: false, remind: false, sendToIt: false },
});
const text = (p: Prompt) => plainText(p.blocks);
const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;
const name = (p: CallPlatform) => content.strings.t(`setup.platforms.${p}`);
const mark = (p: CallPlatform) => content.strings.t('setup.step.unconfirmed', { platform: name(p) });

test('a step card shows the mark once per unconfirmed item, and not for a confirmed one', () => {
  const unconfirmed = content.guidance.byId.get('waiting-room')!;
  const confirmed = content.guidance.byId.get('lock-meeting')!;
  expect(unconfirmed.platforms.zoom.unconfirmed).toBe(true);
  expect(confirmed.platforms.zoom.unconfirmed).toBeUndefined();
  const blocks = (i: typeof unconfirmed) => plainText(howTo(i, 'zoom', ctx()));
  expect(count(blocks(unconfirmed), mark('zoom'))).toBe(1);
  expect(count(blocks(confirmed), mark('zoom'))).toBe(0);
});

describe('the list for IT', () => {
  const state = (): SetupState => {
    const s = newSetup({ platform: 'zoom', accountSeenBefore: false });
    s.kind = 'class';
    s.stage = 'step';
    s.plan = planCards(content.guidance.items, { platform: 'zoom', kind: 'class', includeAccount: true });
    s.index = s.plan.findIndex((c) => c.admin);
    return s;
  };
  const itMark = content.strings.t('setup.it.unconfirmed', { platform: name('zoom') });
  /** The items on the list for IT whose Zoom block is marked: each line carries the mark, once. */
  const marked = () => state().plan.find((c) => c.admin)!.ids.filter((id) => content.guidance.byId.get(id)!.platforms.zoom.unconfirmed);

  test('marks each line no Zoom page fully confirms (sending files in the chat among them), once, and no other', () => {
    const card = text(stepView(state(), ctx()));
    expect(marked()).toEqual(expect.arrayContaining(['disable-file-transfer']));
    expect(marked()).not.toContain('disable-private-chat');
    expect(card).toMatch(/Turn off sending files in the chat: [^\n]*\(not confirmed on Zoom's own help pages: look for it\)/);
    expect(count(card, itMark)).toBe(marked().length);
  });

  test('as plain text for an email: the same mark, and no ** of the card', () => {
    const copy = itListText(state(), ctx(), 'Ms Khan');
    expect(copy).toMatch(/- Turn off sending files in the chat: [^\n]*\(not confirmed on Zoom's own help pages: look for it\)/);
    expect(copy).toMatch(/- Stop students messaging each other privately: Zoom account settings → In Meeting \(Basic\) → Meeting chat - Direct messages \(off\)/);
    expect(copy).not.toMatch(/\*\*/);
    expect(count(copy, itMark)).toBe(marked().length);
  });
});

describe('the playbook', () => {
  test.each(['zoom', 'teams', 'meet'] as const)('on %s: its steps carry the mark once, each related control its own short mark where unconfirmed', (p) => {
    const shown = text(playbook(p, ctx(), { value: (x) => x }));
    expect(content.guidance.byId.get('zoombombing-response')!.platforms[p].unconfirmed).toBe(true);
    expect(count(shown, mark(p))).toBe(1);
    const short = (id: string) => content.guidance.byId.get(id)!.platforms[p].unconfirmed === true;
    const shortMarks = ['lock-meeting', 'remove-participant', 'disable-annotation', 'stop-participant-video'].filter(short).length;
    expect(count(shown, `(not all confirmed on ${name(p)}'s help pages)`)).toBe(shortMarks);
  });

  test("says how to stop drawing on the screen on Zoom, and lists annotation among the related controls", () => {
    const shown = text(playbook('zoom', ctx(), { value: (x) => x }));
    expect(shown).toMatch(/untick Annotate on Shared Content/);
    expect(shown).toMatch(/Keep annotation to yourself: Security → Annotate on Shared Content/);
  });

  test('the first reply, before any platform is known, says to stop drawing on the screen', () => {
    const shown = text(emergencyPlatformQuestion(ctx(), { value: (x) => x }));
    expect(shown).toMatch(/Someone drawing on your screen\? Stop sharing, or turn off participants' drawing \(annotation\)/);
    expect(shown.indexOf('Remove the person')).toBeLessThan(shown.indexOf('Someone drawing on your screen'));
  });
});
