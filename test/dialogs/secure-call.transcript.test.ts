/**
 * Transcript tests of the guided secure-call setup: `[teacher does, bot shows]` rows replayed against
 * setupFeature with an in-memory store, a fixed clock and the real content. See secure-call.harness.ts;
 * the checklist's forms (post to a channel, remind me) are in secure-call-summary.transcript.test.ts and
 * the press counts per platform in secure-call.presses.test.ts.
 */
import { Chat, makeDeps, TEACHERS, realContent, returning, seen, walk } from './secure-call.harness.js';
import { accountStepIds } from '../../dialogs/secure-call/dialog.js';
import { userKey } from '../../src/core/ports.js';
import { stripMarkup } from '../../src/core/prompt.js';
import { liveSchool } from '../../src/core/deps.js';

const khan = TEACHERS.khan!;
const jones = TEACHERS.jones!;
const UPDATE = ['update'] as const;

describe('the guided setup, to the summary, on each platform', () => {
  it('Zoom, first time, a recurring class: the meeting first, the one-off habits and the list for IT last', async () => {
    const chat = new Chat();
    await chat.replay([
      ['start', /Which platform is the call on\?/],
      ['action setup.platform zoom', { text: [/What kind of call/, /Platform: Zoom/, /the last steps are a few one-off habits and a short list for IT/], modes: [...UPDATE] }],
      ['action setup.kind class', { text: [/Step 1 of 7 · Before the call/, /Let people in one at a time from a waiting room/, /Where: When you schedule: the waiting room option/, /1\. When you schedule the lesson/, /Don't let anyone into the lesson before you/, /\[All done \| Skip \| I can't find it \| Why\? \| It's happening now \| Change platform \| Finish for now\]/], not: [/ask IT|Zoom admin/i, /Source/], modes: [...UPDATE] }],
      ...walk('setup.done', 1, 7, 3),
      // Done as the call opens and after it: acknowledged, not done now.
      ['action setup.done', { text: [/Step 4 of 7 · As the call opens/, /Lock the lesson once everyone has arrived/, /You do this as the call opens, not now/, /\[Got it \| Skip/], not: /All done|Turn off a student's camera/ }],
      ['action setup.done', { text: [/Step 5 of 7 · After the call/, /\[Got it \| Skip/], not: /All done/ }],
      ['action setup.done', { text: [/Step 6 of 7 · Once for your account/, /Opt out of your data being 'sold'/] }],
      ['action setup.done', { text: [/Step 7 of 7 · For IT/, /Settings only IT can change/, /Choose where the school's call data is stored: Zoom account settings/, /Keep the app and your device up to date/, /\[Copy the list for IT \| Skip \| Why\?/], not: /Send to IT/ }],
      ['action setup.copy-for-it', { not: /0 still open/, text: [/Your secure-call checklist/, /Zoom, recurring class · 11 done · 5 to remember · 6 copied for IT/, /6 copied for IT: send the list on/, /Please check these Zoom settings for our class calls \(from Ms Khan, via SafeCall\):\n- Turn off sending files in the chat: Zoom account settings: the setting that lets people send files in the meeting chat \(off\) \(not confirmed on Zoom's own help pages: look for it\)\n- Stop students messaging each other privately: Zoom account settings → In Meeting \(Basic\) → Meeting chat - Direct messages \(off\)\n/, /- Mute students when they join: Zoom account settings → Schedule Meeting → Mute all participants when they join a meeting/], modes: ['update', 'private'] }],
    ]);
    const summary = chat.last[0]!.prompt;
    expect(summary.blocks.some((b) => b.kind === 'checklist')).toBe(true);
    // The plain copy is the fallback: a plain list, no markup.
    expect(summary.fallback).toMatch(/^Secure-call checklist \(Zoom, recurring class\)\n\nDone:\n- /);
    expect(summary.fallback).not.toMatch(/```|\*\*/);
    const user = await chat.deps.store.users.get(userKey('slack', khan.id));
    expect(user?.prefs?.callPlatform).toBe('zoom');
    expect(user?.prefs?.accountStepsSeen).toEqual(expect.arrayContaining(accountStepIds(chat.deps.guidance.items)));
  });

  it('a recurring class is set up once; a one-off lesson is scheduled as a new meeting', async () => {
    const recurring = new Chat();
    await returning(recurring, 'zoom');
    await recurring.replay([
      ['start', /What kind of call/],
      ['action setup.kind class', { text: [/Give the class a meeting of its own/, /Schedule the class once, as a recurring meeting/], not: /Schedule the call as a new meeting/ }],
    ]);
    const oneOff = new Chat();
    await returning(oneOff, 'zoom');
    await oneOff.replay([
      ['start', /What kind of call/],
      ['action setup.kind lesson', { text: [/Schedule the call as a new meeting/], not: /Schedule the class once/ }],
    ]);
  });

  it('Microsoft Teams, returning, a one-off lesson, every card skipped', async () => {
    const chat = new Chat();
    await returning(chat);
    await chat.replay([
      ['start', /Which platform/],
      ['action setup.platform teams', [/Platform: Microsoft Teams/, /already done the one-off steps/, /Include one-off steps/]],
      ['action setup.kind lesson', [/Step 1 of 6 · Before the call/, /Where: Meeting options → Who can bypass the lobby\?/]],
      ...walk('setup.skip', 1, 6),
    ]);
    expect(chat.last[0]!.prompt.fallback).toMatch(/Still open:\n- Let people in one at a time/);
    expect(chat.last[0]!.prompt.fallback).toMatch(/Microsoft Teams, one-off lesson/);
  });

  it('Google Meet, a meeting with parents: no such setting said plainly, finished early with cards open', async () => {
    const chat = new Chat();
    await returning(chat, 'meet');
    await chat.replay([
      ['start', { text: [/What kind of call/, /Platform: Google Meet/, /Change platform/], not: /Which platform/ }],
      ['action setup.kind meeting', [/Step 1 of 5/, /Meeting access → Restricted/]],
      ['action setup.done', /Step 2 of 5/],
      ['action setup.done', { text: [/Step 3 of 5/, /Turn off sending files in the chat/, /We found no way to send files in the Meet chat/], not: [/Google Meet has no setting for this/] }],
      ['action setup.finish', { text: [/Google Meet, meeting with parents or staff · 6 done · 7 still open/, /\[ \] Lock the lesson once everyone has arrived/], not: /virtual background/i }],
    ]);
  });

  it('with IT named in the settings, "Send to IT" posts the list there in one tap', async () => {
    const deps = makeDeps();
    const chat = new Chat({ ...deps, school: { ...deps.school, itContact: { name: 'the IT helpdesk', email: 'it@hillside.example', slack: 'C-IT-HELP' } } });
    await chat.replay([
      ['start zoom', /What kind of call/],
      ['action setup.kind class', /Step 1 of 7/],
      ...walk('setup.done', 1, 7, 7),
      ['action setup.send-to-it', { text: [/Your secure-call checklist/, /Please check these Zoom settings/, /IT's email: it@hillside.example/, /I've sent the list to the IT helpdesk/], modes: ['update', 'post', 'private'] }],
    ]);
    const posted = chat.last[1]!;
    expect(posted.mode === 'post' && posted.to).toBe('C-IT-HELP');
  });

  it('an IT contact changed in the settings while the server runs gets the next list, without a restart', async () => {
    const deps = makeDeps();
    let school = { ...deps.school, itContact: { name: 'the IT helpdesk', slack: 'C-IT-OLD' } };
    const chat = new Chat({ ...deps, school: liveSchool(() => school) });
    await chat.replay([
      ['start zoom', /What kind of call/],
      ['action setup.kind class', /Step 1 of 7/],
      ...walk('setup.done', 1, 7, 7),
    ]);
    school = { ...school, itContact: { name: 'the trust IT team', slack: 'C-IT-NEW' } };
    await chat.replay([['action setup.send-to-it', { text: [/I've sent the list to the trust IT team/], modes: ['update', 'post', 'private'] }]]);
    const posted = chat.last[1]!;
    expect(posted.mode === 'post' && posted.to).toBe('C-IT-NEW');
  });
});

describe('help on a card', () => {
  it("I can't find it shows the platform's help and, where support is partial or none, the alternative", async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    await chat.replay([
      ['start', /What kind of call/],
      ['action setup.kind class', /Step 1 of 5/],
      ...walk('setup.done', 1, 5, 4),
      ['action setup.cant-find', { text: [/If you can't find it/, /What to do instead/, /Step 4 of 5/], modes: [...UPDATE] }],
      ['action setup.done', /Step 5 of 5/],
    ]);
  });

  it('a step with no setting says so once and offers no "I can\'t find it"', async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    await chat.replay([
      ['start', /What kind of call/],
      ['action setup.kind meeting', /Step 1 of 5/],
      ...walk('setup.done', 1, 5, 2),
      [
        'action setup.done',
        {
          text: [/Step 3 of 5/, /Keep lesson links off public websites/, /There's no setting for this: it's about where you share/, /\[I've done this \| Skip \| Why\? \| It's happening now/],
          not: [/Zoom has no setting for this/, /I can't find it/],
        },
      ],
    ]);
  });

  it('Why? shows why each matters and "Sources" once, each document by its one name, and changes nothing', async () => {
    const chat = new Chat();
    await returning(chat, 'teams');
    await chat.replay([
      ['start', /What kind of call/],
      ['action setup.kind class', /Step 1 of 6/],
      ['action setup.why', { text: [/Why it matters/, /Anyone who gets hold of the link/, /Sources\n- Guidance on securing video meetings, published in 2020 by Hong Kong's data protection regulator: Data security, point 1/, /Data protection impact assessment \(DPIA\) of Zoom, made in 2020 by a multi-academy trust: Risk 1/, /Step 1 of 6/], not: [/Source:/, /Zoom DPIA/], modes: [...UPDATE] }],
      ['action setup.why', /Step 1 of 6/],
      ['action setup.skip', /Step 2 of 6/],
    ]);
    const text = chat.all[2]!.prompt.fallback;
    expect(text.match(/Sources/g)).toHaveLength(1);
  });
});

describe('changing course', () => {
  it('starts again from scratch; the old buttons then go stale', async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    await chat.replay([
      ['start', /What kind of call/],
      ['action setup.kind class', /Step 1 of 5/],
      ['action setup.done', /Step 2 of 5/],
      ['snapshot setup.done', /.*/],
      ['start', { text: [/Carry on where you left off \(step 2 of 5\)\?/, /\[Carry on \| Start again\]/], modes: ['post'] }],
      ['action setup.start-again', { text: /What kind of call/, modes: [...UPDATE] }],
      ['action setup.kind lesson', /Step 1 of 5/],
      ['old setup.done', { text: [/That step has moved on — here's where you are now/, /Step 1 of 5/], modes: ['post'] }],
    ]);
  });

  it('"Finish for now" leaves a resume: typing setup later offers to carry on from the first open card', async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    await chat.replay([
      ['start', /What kind of call/],
      ['action setup.kind class', /Step 1 of 5/],
      ['action setup.done', /Step 2 of 5/],
      ['action setup.finish', { text: [/Your secure-call checklist/, /\[Carry on \| Copy as text \| Start again \| It's happening now\]/] }],
      ['restart-bot', /.*/],
      ['start', { text: [/You have a setup on Zoom with 10 still open\. Carry on where you left off \(step 2 of 5\)\?/], modes: ['post'] }],
      ['action setup.carry-on', { text: /Step 2 of 5/, modes: [...UPDATE] }],
      ...walk('setup.done', 2, 5),
      // Finished: setup starts a new walk.
      ['start', { text: /What kind of call/, not: /Carry on/ }],
    ]);
  });

  it('switches platform midway, keeping the answers and the place', async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    await chat.replay([
      ['start', /What kind of call/],
      ['action setup.kind class', [/Step 1 of 5/, /Where: When you schedule: the waiting room option/]],
      ['action setup.skip', /Step 2 of 5/],
      ['action setup.done', /Step 3 of 5/],
      ['action setup.change-platform', [/Which platform are you using now\? I'll keep your answers so far/]],
      ['action setup.platform teams', { text: [/Step \d of 6/, /Microsoft Teams|Meeting options/], not: /Which platform/, modes: [...UPDATE] }],
      ['action setup.change-platform', /Which platform are you using now/],
      ['action setup.platform meet', /Step \d of 6/],
      ['action setup.finish', [/Google Meet, recurring class · 3 done · 12 still open/]],
    ]);
    const user = await chat.deps.store.users.get(userKey('slack', khan.id));
    expect(user?.prefs?.callPlatform).toBe('meet');
  });

  it('a remembered platform can be changed before the walk', async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    await chat.replay([
      ['start', [/Platform: Zoom/, /Change platform/]],
      ['action setup.change-platform', /Which platform is the call on\?/],
      ['action setup.platform teams', /Platform: Microsoft Teams/],
    ]);
  });

  it('a search answer can start the setup with its platform', async () => {
    const chat = new Chat();
    const replies = await chat.feature.onAction!({ who: khan, where: chat.where, input: { kind: 'action', action: 'setup.start', value: 'meet' }, at: new Date() }, 'setup.start', 'meet');
    expect(replies.map((r) => r.mode)).toEqual(['post']);
    expect(replies[0]!.prompt.fallback).toMatch(/Platform: Google Meet/);
  });
});

describe('the one-off steps', () => {
  it('are offered the first time only, and can be included again', async () => {
    const chat = new Chat();
    await chat.replay([
      ['start zoom', /the last steps are a few one-off habits and a short list for IT/],
      ['action setup.kind class', /Step 1 of 7 · Before the call/],
      ...walk('setup.done', 1, 7, 8, true),
      ['action setup.start-again', [/What kind of call/, /already done the one-off steps/, /Include one-off steps/]],
      ['action setup.kind class', { text: /Step 1 of 5 · Before the call/ }],
      ['start', /Carry on where you left off \(step 1 of 5\)/],
      ['action setup.start-again', /Include one-off steps/],
      ['action setup.account include', { text: [/I'll include the one-off steps again/, /Leave one-off steps out/], modes: [...UPDATE] }],
      ['action setup.kind meeting', [/Step 1 of 7 · Before the call/]],
    ]);
  });
});

describe('"It\'s happening now"', () => {
  it('from a card: the playbook for the platform in one card; the report advice in a new message, the playbook kept', async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    await chat.replay([
      ['start', /What kind of call/],
      ['action setup.kind class', /Step 1 of 5/],
      ['action setup.done', /Step 2 of 5/],
      ['action setup.now', { text: [/Someone is disrupting your call: do this now/, /On Zoom:/, /Lock Meeting/, /Remove/, /Also useful/, /Turn off a student's camera: Participants/, /\[Report what happened \| Back to my setup\]/], not: /Mute students when they join|Mute all participants|show something inappropriate/, modes: [...UPDATE] }],
      ['action setup.report', { text: [/Do this as soon as the call is over/, /data protection officer \(DPO\)/, /72 hours/, /\[Back to my setup\]/], not: /later release/, modes: ['post'] }],
    ]);
    // The playbook is still on screen above the report advice.
    expect(chat.messages.some((m) => /On Zoom:/.test(m.prompt.fallback))).toBe(true);
    await chat.replay([
      ['action setup.back', { text: /Step 2 of 5/, modes: [...UPDATE] }],
      ['action setup.done', /Step 3 of 5/],
    ]);
  });

  it('the first reply, with no platform known, already says what to do; the platform buttons add the exact clicks', async () => {
    const chat = new Chat();
    await chat.replay([
      ['say help someone is zoombombing my lesson', { text: [/Lock the meeting/, /Remove the person/, /Someone drawing on your screen\? Stop sharing, or turn off participants' drawing \(annotation\)/, /Stop their screen share and their video/, /data protection officer \(DPO\)/, /The exact clicks for your platform/, /\[Zoom \| Microsoft Teams \| Google Meet\]/], not: /Back to my setup/, modes: ['post'] }],
      ['action setup.now meet', { text: [/On Google Meet:/, /Restricted/, /No setting: Google Meet has no lock that we could find/, /Keep annotation to yourself: No setting/, /Not all of this is confirmed on Google Meet's own help pages/], not: /Back to my setup/, modes: [...UPDATE] }],
      ['say happening now', { text: /On Google Meet:/, modes: ['post'] }],
    ]);
  });

  it('from a message while a setup is in progress offers the way back', async () => {
    const chat = new Chat();
    await returning(chat, 'teams');
    await chat.replay([
      ['start', /What kind of call/],
      ['action setup.kind class', /Step 1 of 6/],
      ['say someone is being rude in my lesson', [/On Microsoft Teams:/, /Controls/, /Back to my setup/]],
      ['action setup.back', /Step 1 of 6/],
    ]);
  });
});

describe('state', () => {
  it('resumes after the bot restarts', async () => {
    const chat = new Chat();
    await chat.replay([
      ['start', /Which platform/],
      ['action setup.platform zoom', /What kind of call/],
      ['action setup.kind class', /Step 1 of 7/],
      ...walk('setup.done', 1, 7, 5),
      ['restart-bot', /.*/],
      ['start', [/You have a setup on Zoom with \d+ still open\. Carry on where you left off \(step 5 of 7\)\?/]],
      ['action setup.carry-on', { text: /Step 5 of 7/, modes: [...UPDATE] }],
      ['action setup.done', /Step 6 of 7/],
    ]);
  });

  it('a button from an old message gets the current card as a new post, and is not applied', async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    await chat.replay([
      ['start', /What kind of call/],
      ['action setup.kind class', /Step 1 of 5/],
      ['snapshot setup.skip', /.*/],
      ['action setup.done', /Step 2 of 5/],
      ['old setup.skip', { text: [/That step has moved on — here's where you are now/, /Step 2 of 5/], modes: ['post'] }],
      ['old setup.why', { text: /That step has moved on/, modes: ['post'] }],
      ['action setup.done', /Step 3 of 5/],
      ['action setup.finish', /6 done · 7 still open/],
    ]);
  });

  it('a stale button with no setup at all offers a new one', async () => {
    const chat = new Chat();
    await chat.replay([
      ['start zoom', /What kind of call/],
      ['snapshot setup.kind', /.*/],
    ]);
    await chat.deps.store.dialogs.delete(`setup:slack:${chat.where.id}:${khan.id}`);
    await chat.replay([['old setup.kind class', { text: [/That setup has finished or been replaced/, /Secure my call/], modes: ['post'] }]]);
  });

  it('keeps two teachers in one channel apart', async () => {
    const chat = new Chat();
    await returning(chat, 'zoom', khan);
    await returning(chat, 'teams', jones);
    await chat.replay([
      ['start', /Platform: Zoom/],
      ['action setup.kind class', /Step 1 of 5/],
      ['action setup.done', /Step 2 of 5/],
      ['as jones start', { text: /Platform: Microsoft Teams/, not: /Carry on/ }],
      ['as jones action setup.kind lesson', /Step 1 of 6/],
      ['action setup.done', /Step 3 of 5/],
      ['as jones action setup.done', /Step 2 of 6/],
    ]);
  });

  it("someone else's button gets a private note and changes nothing", async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    await chat.replay([
      ['start', /What kind of call/],
      ['action setup.kind class', /Step 1 of 5/],
      ['as jones action setup.done', { text: /This is Ms Khan's setup — start your own with \/safecall setup/, modes: ['private'] }],
      ['as jones action setup.why', { text: /This is Ms Khan's setup/, modes: ['private'] }],
      // An emergency is never refused: Mr Jones gets the playbook, privately; Ms Khan's card is left alone.
      ['as jones action setup.now', { text: [/On Zoom:/, /Report what happened/], not: /Back to my setup/, modes: ['private'] }],
      ['action setup.done', /Step 2 of 5/],
    ]);
  });

  it('a double click advances only once', async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    await chat.replay([
      ['start', /What kind of call/],
      ['double setup.kind class', { text: /Step 1 of 5/, not: /moved on/, modes: ['update', 'update'] }],
      ['double setup.done', { text: /Step 2 of 5/, not: /Step 3 of|moved on/, modes: ['update', 'update'] }],
      ['action setup.done', /Step 3 of 5/],
      ['action setup.finish', /6 done · 7 still open/],
      ['double setup.start-again', { text: /What kind of call/, not: /moved on/, modes: ['update', 'update'] }],
      ['double setup.kind lesson', { text: /Step 1 of 5/, not: /moved on/, modes: ['update', 'update'] }],
    ]);
  });

  it('a walk saved by the earlier version (one step per item) carries on as cards', async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    const key = `setup:slack:${chat.where.id}:${khan.id}`;
    await chat.deps.store.dialogs.put(key, {
      key, dialog: 'setup', updatedAt: '2026-11-22T09:00:00Z',
      state: { instance: 'old1', revision: 3, owner: khan.id, data: { v: 1, stage: 'step', platform: 'zoom', kind: 'class', includeAccount: false, accountSeenBefore: true, plan: ['waiting-room', 'lock-meeting'], index: 1, answers: { 'waiting-room': 'done' }, switching: false } },
    });
    await chat.replay([
      ['start', /Carry on where you left off \(step 2 of 2\)/],
      ['action setup.carry-on', [/Step 2 of 2/, /Lock the lesson/]],
      // The lock is for when the call opens: acknowledged, to remember, not done.
      ['action setup.done', /1 done · 1 to remember/],
    ]);
  });
});

describe('what a step asks for, and what the checklist says happened (issue 24)', () => {
  it('a walk saved before: its step of things done during a lesson is dropped, and a list for IT answered then is not said to have been sent', async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    const key = `setup:slack:${chat.where.id}:${khan.id}`;
    const save = (data: Record<string, unknown>) =>
      chat.deps.store.dialogs.put(key, { key, dialog: 'setup', updatedAt: '2026-11-22T09:00:00Z', state: { instance: `old-${String(data.stage)}`, revision: 4, owner: khan.id, data } });
    const plan = [{ ids: ['waiting-room'] }, { ids: ['stop-participant-video', 'remove-participant'] }, { ids: ['recording-off', 'data-region'], admin: true }];
    const base = { v: 2, platform: 'zoom', kind: 'class', includeAccount: true, accountSeenBefore: false, plan, switching: false };
    // On the in-lesson card when it was saved: carries on at the next step.
    await save({ ...base, stage: 'step', index: 1, answers: { 'waiting-room': 'done' } });
    await chat.replay([
      ['start', /Carry on where you left off \(step 2 of 2\)/],
      ['action setup.carry-on', { text: [/Step 2 of 2 · For IT/, /Keep recording off/], not: /Turn off a student's camera|Remove someone/ }],
    ]);
    // Finished then, the list for IT answered 'done': it may only have been copied.
    await save({ ...base, stage: 'summary', index: 3, paused: true, answers: { 'stop-participant-video': 'done', 'recording-off': 'done', 'data-region': 'done' } });
    await chat.replay([['start', { text: [/Carry on where you left off \(step 1 of 2\)/] }]]);
    await chat.replay([
      ['action setup.carry-on', /Step 1 of 2/],
      ['action setup.done', /Step 2 of 2 · For IT/],
      ['action setup.finish', { text: [/1 done · 2 copied for IT/], not: /sent to|passed to IT/ }],
    ]);
  });

  const platforms = ['zoom', 'teams', 'meet'] as const;
  const items = () => realContent().guidance.items;
  /** Done during a lesson, when needed: not a setup step. */
  const inLesson = () => items().filter((i) => i.phase === 'during');
  /** Done as the call opens or after it: a step to know about, not to tick off now. */
  const later = () => items().filter((i) => i.phase === 'start' || i.phase === 'after');

  /** Presses through a first-time walk (Done or Got it on each card, the list for IT copied); returns what each step card showed and the checklist. */
  async function walkThrough(chat: Chat, platform: (typeof platforms)[number]): Promise<{ steps: string[]; summary: string }> {
    await chat.replay([
      [`start ${platform}`, /What kind of call/],
      ['action setup.kind class', /Step 1 of \d+/],
    ]);
    const steps: string[] = [];
    for (let guard = 0; guard < 20; guard++) {
      const text = seen(chat.last[0]!.prompt);
      if (/Your secure-call checklist/.test(text)) return { steps, summary: text };
      steps.push(text);
      await chat.run(khan, /\[Copy the list for IT/.test(text) ? 'action setup.copy-for-it' : 'action setup.done');
    }
    throw new Error('the walk did not reach the checklist');
  }

  it.each(platforms)('on %s, nothing done during a lesson is a step; the checklist points to each, with where it is', async (platform) => {
    const chat = new Chat();
    const { steps, summary } = await walkThrough(chat, platform);
    for (const item of inLesson()) {
      expect([item.id, steps.filter((s) => s.includes(item.title))]).toEqual([item.id, []]);
      expect(summary).toContain(item.shortTitle ?? item.title);
      const p = item.platforms[platform];
      if (p.support !== 'none' && p.where) expect(summary).toContain(stripMarkup(p.where));
    }
    expect(summary).toMatch(/In the lesson, if you need it/);
    // The playbook is one tap from the checklist, in a message of its own: the checklist stays on screen.
    await chat.replay([[`action setup.now ${platform}`, { text: /Someone is disrupting your call: do this now/, not: /Back to my setup/, modes: ['post'] }]]);
    expect(chat.messages.some((m) => /Your secure-call checklist/.test(seen(m.prompt)))).toBe(true);
  });

  it.each(platforms)('on %s, a step for when the call opens or after it asks "Got it", never "Done", and the checklist lists it to remember, not as done', async (platform) => {
    const chat = new Chat();
    const { steps, summary } = await walkThrough(chat, platform);
    const laterCards = steps.filter((s) => /· (As the call opens|After the call)\b/.test(s));
    expect(laterCards.length).toBeGreaterThan(0);
    for (const card of laterCards) {
      expect(card).toMatch(/\[Got it \| Skip/);
      expect(card).not.toMatch(/\[(All done|Done|I've done this) \|/);
    }
    const plainCopy = chat.last[0]!.prompt.fallback;
    const [, done = ''] = /Done:\n([\s\S]*?)(\n\n|$)/.exec(plainCopy) ?? [];
    for (const item of later()) expect([item.id, done.includes(item.title)]).toEqual([item.id, false]);
    expect(summary).toMatch(/To remember/);
    expect(summary).toMatch(/As the call opens: /);
  });

  it('a list for IT that was only copied says "copied", not "passed to IT"; one SafeCall posted says who it went to', async () => {
    const copied = new Chat();
    const { summary } = await walkThrough(copied, 'zoom');
    expect(summary).toMatch(/\d+ copied for IT/);
    expect(summary).not.toMatch(/passed to IT|sent to/i);
    expect(copied.last[0]!.prompt.fallback).toMatch(/For IT \(copied, not sent by SafeCall\):\n- /);

    const deps = makeDeps();
    const sent = new Chat({ ...deps, school: { ...deps.school, itContact: { name: 'the IT helpdesk', slack: 'C-IT-HELP' } } });
    await sent.replay([
      ['start zoom', /What kind of call/],
      ['action setup.kind class', /Step 1 of \d+/],
    ]);
    for (let guard = 0; guard < 20 && !/\[Send to IT/.test(seen(sent.last[0]!.prompt)); guard++) await sent.run(khan, 'action setup.done');
    await sent.replay([['action setup.send-to-it', { text: [/\d+ sent to the IT helpdesk/, /I've sent the list to the IT helpdesk/], not: /copied for IT|passed to IT/ }]]);
    expect(sent.last[0]!.prompt.fallback).toMatch(/For IT \(sent to the IT helpdesk\):\n- /);
  });
});
