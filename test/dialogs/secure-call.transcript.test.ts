/**
 * Transcript tests of the guided secure-call setup: `[teacher does, bot shows]` rows replayed against
 * setupFeature with an in-memory store, a fixed clock and the real content. See secure-call.harness.ts;
 * the checklist's forms (post to a channel, remind me) are in secure-call-summary.transcript.test.ts.
 */
import { Chat, TEACHERS, returning, walk } from './secure-call.harness.js';
import { accountStepIds } from '../../dialogs/secure-call/dialog.js';
import { userKey } from '../../src/core/ports.js';

const khan = TEACHERS.khan!;
const jones = TEACHERS.jones!;
const UPDATE = ['update'] as const;

describe('the guided setup, to the summary, on each platform', () => {
  it('Zoom, first time, a recurring class: account steps first, every step done', async () => {
    const chat = new Chat();
    await chat.replay([
      ['start', /Which platform is the call on\?/],
      ['action setup.platform zoom', { text: [/What kind of call/, /Platform: Zoom/, /5 one-off steps for your account/], modes: [...UPDATE] }],
      ['action setup.kind class', { text: [/Step 1 of 23 · Your account \(once\)/, /Choose where the school's call data is stored/, /Source: /, /\[Done \| Skip \| I can't find it \| Why\? \| It's happening now \| Change platform \| Finish for now\]/, /It's happening now/], modes: [...UPDATE] }],
      ['action setup.done', /Step 2 of 23 · Your account/],
      ...walk('setup.done', 2, 23, 5),
      ['action setup.done', { text: [/Step 6 of 23 · Before the call/, /Let people in one at a time from a waiting room/, /Where: Security \(called Host tools/] }],
      ...walk('setup.done', 6, 23, 23),
      ['action setup.done', { text: [/Your secure-call checklist/, /Done 23 · Skipped 0 · Still open 0/, /\[x\] Let people in one at a time/, /Secure-call checklist \(Zoom, recurring class\)/, /\[Post to a channel \| Remind me before my next call \| Start again\]/], modes: [...UPDATE] }],
    ]);
    const summary = chat.last[0]!.prompt;
    expect(summary.blocks.some((b) => b.kind === 'checklist')).toBe(true);
    // The plain copy is the fallback too: a plain list, no code.
    expect(summary.fallback).toMatch(/^Secure-call checklist \(Zoom, recurring class\)\n\nDone:\n- /);
    expect(summary.fallback).not.toMatch(/```|\*\*/);
    const user = await chat.deps.store.users.get(userKey('slack', khan.id));
    expect(user?.prefs?.callPlatform).toBe('zoom');
    expect(user?.prefs?.accountStepsSeen?.sort()).toEqual(accountStepIds(chat.deps.guidance.items).sort());
  });

  it('Microsoft Teams, a one-off lesson, every step skipped', async () => {
    const chat = new Chat();
    await returning(chat);
    await chat.replay([
      ['start', /Which platform/],
      ['action setup.platform teams', [/Platform: Microsoft Teams/, /already been through the one-off account steps/, /Include the one-off account steps again/]],
      ['action setup.kind lesson', [/Step 1 of 18 · Before the call/, /Where: Meeting options → Who can bypass the lobby\?/]],
      ...walk('setup.skip', 1, 18, 18),
      ['action setup.skip', [/Done 0 · Skipped 18 · Still open 0/, /\[-\] Let people in one at a time/, /Skipped:\n- Let people in one at a time/, /Microsoft Teams, one-off lesson/]],
    ]);
  });

  it('Google Meet, a meeting with parents: no such setting said plainly, finished early with steps open', async () => {
    const chat = new Chat();
    await returning(chat, 'meet');
    await chat.replay([
      ['start', { text: [/What kind of call/, /Platform: Google Meet/, /Change platform/], not: /Which platform/ }],
      ['action setup.kind meeting', [/Step 1 of 16/, /Host controls → Meeting access → Restricted/]],
      ['action setup.done', /Step 2 of 16/],
      ['action setup.done', /Step 3 of 16/],
      ['action setup.done', /Step 4 of 16/],
      ['action setup.done', /Step 5 of 16/],
      ['action setup.done', [/Step 6 of 16/, /Turn off sending files in the chat/, /Google Meet has no setting for this\./, /We found no way to send files/, /\[I've done the alternative \| Skip/]],
      ['action setup.done', { text: /Step 7 of 16/, not: /virtual background/i }],
      ['action setup.finish', [/Done 6 · Skipped 0 · Still open 10/, /\[ \] Lock the lesson once everyone has arrived/, /Still open:\n- /, /Google Meet, meeting with parents or staff/]],
    ]);
  });
});

describe('help on a step', () => {
  it("I can't find it shows the platform's help and, where support is partial or none, the alternative", async () => {
    const chat = new Chat();
    await chat.replay([
      ['start zoom', /What kind of call/],
      ['action setup.kind class', /Step 1 of 23/],
      ['action setup.cant-find', { text: [/If you can't find it/, /Free accounts don't get the choice/, /What to do instead\nZoom's region choice only covers/, /Step 1 of 23/], modes: [...UPDATE] }],
      ['action setup.done', /Step 2 of 23/],
    ]);
    const meet = new Chat();
    await returning(meet, 'meet');
    await meet.replay([
      ['start', /What kind of call/],
      ['action setup.kind class', /Step 1 of 18/],
      ['action setup.cant-find', { text: [/Host controls only appear for the meeting's host/], not: /What to do instead/ }],
    ]);
  });

  it('Why? shows why it matters and the sources, and changes nothing', async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    await chat.replay([
      ['start', /What kind of call/],
      ['action setup.kind class', /Step 1 of 18/],
      ['action setup.why', { text: [/Why it matters/, /Anyone who gets hold of the link/, /Sources:/, /Hong Kong privacy regulator's guidelines, Data security, point 1/, /Zoom DPIA for remote lessons, Risk 1/, /Step 1 of 18/], modes: [...UPDATE] }],
      ['action setup.why', /Step 1 of 18/],
      ['action setup.skip', /Step 2 of 18/],
    ]);
  });
});

describe('changing course', () => {
  it('starts again from scratch; the old buttons then go stale', async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    await chat.replay([
      ['start', /What kind of call/],
      ['action setup.kind class', /Step 1 of 18/],
      ['action setup.done', /Step 2 of 18/],
      ['snapshot setup.done', /.*/],
      ['start', { text: [/Carry on where you left off \(step 2 of 18\)\?/, /\[Carry on \| Start again\]/], modes: ['post'] }],
      ['action setup.start-again', { text: /What kind of call/, modes: [...UPDATE] }],
      ['action setup.kind lesson', /Step 1 of 18/],
      ['old setup.done', { text: [/That step has moved on — here's where you are now/, /Step 1 of 18/], modes: ['post'] }],
    ]);
  });

  it('switches platform midway, keeping the answers and the place', async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    await chat.replay([
      ['start', /What kind of call/],
      ['action setup.kind class', [/Step 1 of 18/, /Where: Security \(called Host tools/]],
      ['action setup.skip', /Step 2 of 18/],
      ['action setup.done', /Step 3 of 18/],
      ['action setup.change-platform', [/Which platform are you using now\? I'll keep your answers so far/]],
      ['action setup.platform teams', { text: [/Step 3 of 18/, /Require a passcode|passcode/i], not: /Which platform/, modes: [...UPDATE] }],
      ['action setup.change-platform', /Which platform are you using now/],
      ['action setup.platform meet', /Step 3 of 18/],
      ['action setup.finish', [/Done 1 · Skipped 1 · Still open 16/, /Google Meet, recurring class/]],
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

describe('the account steps', () => {
  it('are offered the first time only, and can be included again', async () => {
    const chat = new Chat();
    await chat.replay([
      ['start zoom', /5 one-off steps for your account/],
      ['action setup.kind class', /Step 1 of 23 · Your account/],
      ...walk('setup.done', 1, 23),
      ['action setup.start-again', [/What kind of call/, /already been through the one-off account steps/, /Include the one-off account steps again/]],
      ['action setup.kind class', /Step 1 of 18 · Before the call/],
      ['start', /Carry on where you left off \(step 1 of 18\)/],
      ['action setup.start-again', /Include the one-off account steps again/],
      ['action setup.account include', { text: [/I'll include the one-off account steps again/, /Leave the account steps out/], modes: [...UPDATE] }],
      ['action setup.kind meeting', [/Step 1 of 21 · Your account \(once\)/]],
    ]);
  });
});

describe('"It\'s happening now"', () => {
  it('from a step: the playbook for the platform in one card, the report advice, and back to the setup', async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    await chat.replay([
      ['start', /What kind of call/],
      ['action setup.kind class', /Step 1 of 18/],
      ['action setup.done', /Step 2 of 18/],
      ['action setup.now', { text: [/Someone is disrupting your call: do this now/, /On Zoom:/, /Lock meeting/, /Remove/, /Also useful/, /Mute people as they join|mute/i, /\[Report what happened \| Back to my setup\]/], modes: [...UPDATE] }],
      ['action setup.report', { text: [/Incident reports in SafeCall arrive in a later release/, /data protection officer \(DPO\)/, /72 hours/, /\[Back to what to do now \| Back to my setup\]/], modes: [...UPDATE] }],
      ['action setup.now', /On Zoom:/],
      ['action setup.back', { text: /Step 2 of 18/, modes: [...UPDATE] }],
      ['action setup.done', /Step 3 of 18/],
    ]);
  });

  it('from a message with no platform known: one tap for the platform, then the playbook', async () => {
    const chat = new Chat();
    await chat.replay([
      ['say help someone is zoombombing my lesson', { text: [/Which platform is the call on\? Tap it/], not: /Back to my setup/, modes: ['post'] }],
      ['action setup.now meet', { text: [/On Google Meet:/, /Restricted/, /No setting: We found no lock in Meet/], not: /Back to my setup/, modes: [...UPDATE] }],
      ['say happening now', { text: /On Google Meet:/, modes: ['post'] }],
    ]);
  });

  it('from a message while a setup is in progress offers the way back', async () => {
    const chat = new Chat();
    await returning(chat, 'teams');
    await chat.replay([
      ['start', /What kind of call/],
      ['action setup.kind class', /Step 1 of 18/],
      ['say someone is being rude in my lesson', [/On Microsoft Teams:/, /Controls/, /Back to my setup/]],
      ['action setup.back', /Step 1 of 18/],
    ]);
  });
});

describe('state', () => {
  it('resumes after the bot restarts', async () => {
    const chat = new Chat();
    await chat.replay([
      ['start', /Which platform/],
      ['action setup.platform zoom', /What kind of call/],
      ['action setup.kind class', /Step 1 of 23/],
      ...walk('setup.done', 1, 23, 5),
      ['restart-bot', /.*/],
      ['start', [/You have a setup in progress on Zoom\. Carry on where you left off \(step 5 of 23\)\?/]],
      ['action setup.carry-on', { text: /Step 5 of 23/, modes: [...UPDATE] }],
      ['action setup.done', /Step 6 of 23/],
    ]);
  });

  it('a button from an old message gets the current step as a new post, and is not applied', async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    await chat.replay([
      ['start', /What kind of call/],
      ['action setup.kind class', /Step 1 of 18/],
      ['snapshot setup.skip', /.*/],
      ['action setup.done', /Step 2 of 18/],
      ['old setup.skip', { text: [/That step has moved on — here's where you are now/, /Step 2 of 18/], modes: ['post'] }],
      ['old setup.why', { text: /That step has moved on/, modes: ['post'] }],
      ['action setup.done', /Step 3 of 18/],
      ['action setup.finish', /Done 2 · Skipped 0/],
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
      ['action setup.kind class', /Step 1 of 18/],
      ['action setup.done', /Step 2 of 18/],
      ['as jones start', { text: /Platform: Microsoft Teams/, not: /Carry on/ }],
      ['as jones action setup.kind lesson', /Step 1 of 18/],
      ['action setup.done', /Step 3 of 18/],
      ['as jones action setup.done', /Step 2 of 18/],
    ]);
  });

  it("someone else's button gets a private note and changes nothing", async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    await chat.replay([
      ['start', /What kind of call/],
      ['action setup.kind class', /Step 1 of 18/],
      ['as jones action setup.done', { text: /This is Ms Khan's setup — start your own with \/safecall setup/, modes: ['private'] }],
      ['as jones action setup.why', { text: /This is Ms Khan's setup/, modes: ['private'] }],
      // An emergency is never refused: Mr Jones gets the playbook, privately; Ms Khan's card is left alone.
      ['as jones action setup.now', { text: [/On Zoom:/, /Report what happened/], not: /Back to my setup/, modes: ['private'] }],
      ['action setup.done', /Step 2 of 18/],
    ]);
  });

  it('a double click advances only once', async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    await chat.replay([
      ['start', /What kind of call/],
      ['double setup.kind class', { text: /Step 1 of 18/, not: /moved on/, modes: ['update', 'update'] }],
      ['double setup.done', { text: /Step 2 of 18/, not: /Step 3 of|moved on/, modes: ['update', 'update'] }],
      ['action setup.done', /Step 3 of 18/],
      ['action setup.finish', /Done 2 · Skipped 0 · Still open 16/],
      ['double setup.start-again', { text: /What kind of call/, not: /moved on/, modes: ['update', 'update'] }],
      ['double setup.kind lesson', { text: /Step 1 of 18/, not: /moved on/, modes: ['update', 'update'] }],
    ]);
  });
});
