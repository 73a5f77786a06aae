/**
 * Transcript tests of what follows the setup's checklist: the plain copy on request, posting it to a
 * channel (offered only when the bot knows one) and "remind me before my next call" (offered only when
 * reminders are sent: SetupOptions.reminders).
 */
import { addChannel, Chat, returning, TEACHERS, type Row } from './secure-call.harness.js';
import { SETUP_FORMS } from '../../dialogs/secure-call/ids.js';

const khan = TEACHERS.khan!;

describe('after the summary', () => {
  const toSummary: Row[] = [
    ['start', /What kind of call/],
    ['action setup.kind class', /Step 1 of 5/],
    ['action setup.done', /Step 2 of 5/],
    ['action setup.finish', /Your secure-call checklist/],
  ];

  it('is grouped (done, still open) and short; the plain copy comes only when asked for, in a message of its own', async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    await chat.replay([
      ...toSummary.slice(0, 3),
      ['action setup.finish', { text: [/Zoom, recurring class · 3 done · 10 still open/, /Done\n\[x\] Before the call: 3 done/, /Still open\n\[ \] Turn off joining by phone call/], not: /Copy for your lesson plan/, modes: ['update'] }],
    ]);
    const summary = chat.last[0]!.prompt;
    // No plain copy on the card itself (it is the fallback for notifications only).
    expect(summary.blocks.some((b) => (b.kind === 'text' || b.kind === 'note') && /Secure-call checklist \(/.test(b.text))).toBe(false);
    await chat.replay([['action setup.copy', { text: [/Secure-call checklist \(Zoom, recurring class\)\n\nDone:/, /- Let people in one at a time/, /Still open:\n- Turn off joining by phone call/], modes: ['private'] }]]);
    // The checklist stays as it was.
    expect(chat.find(khan, 'setup.copy').message.prompt.fallback).toMatch(/^Secure-call checklist \(Zoom, recurring class\)\n\nDone:\n- /);
  });

  it('offers no "Remind me" while reminders are not sent, and no "Post to a channel" while the bot knows no channel', async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    await chat.replay([...toSummary.slice(0, 3), ['action setup.finish', { text: /\[Carry on \| Copy as text \| Start again \| It's happening now\]/, not: /Remind me|Post to a channel/ }]]);
  });

  it('"Remind me before my next call": a past time is refused (field named, value kept), a good one sets one timer', async () => {
    const chat = new Chat(undefined, { reminders: true });
    await returning(chat, 'zoom');
    await chat.replay([
      ...toSummary,
      ['action setup.remind', { text: [/Remind me before my call/, /When is your next call\?/], modes: ['modal'] }],
      ['submit when=2026-11-20T08:00:00Z', { text: /That time has already passed/, modes: ['form-errors'] }],
    ]);
    const opened = chat.all.find((r) => r.mode === 'modal')!.prompt;
    // The hint is shown once: on the field, not repeated above it.
    expect(JSON.stringify(opened).match(/within the next year/g)).toHaveLength(1);
    const refused = chat.last[0]!;
    expect(refused.mode === 'form-errors' && refused.errors).toEqual({ when: 'That time has already passed. Pick a time in the future.' });
    expect(refused.prompt.form?.fields[0]).toMatchObject({ id: 'when', initial: '2026-11-20T08:00:00Z', error: expect.stringMatching(/already passed/) });
    expect(await chat.deps.store.timers.list()).toEqual([]);
    await chat.replay([
      ['submit when=2028-01-01T08:00:00Z', { text: /more than a year away/, modes: ['form-errors'] }],
      ['submit when=not-a-date', { text: /couldn't read that date/, modes: ['form-errors'] }],
      ['submit when=2026-11-30T08:15:00Z', { text: [/Saved: a reminder before your call on Monday, 30 November 2026 at 08:15/], not: /switched on|later/, modes: ['private'] }],
    ]);
    const timers = await chat.deps.store.timers.list();
    expect(timers).toHaveLength(1);
    // Set from a channel: the reminder goes to the teacher's DM, so no conversation is kept.
    expect(timers[0]).toMatchObject({ kind: 'setup.before-call', dueAt: '2026-11-30T08:15:00.000Z', payload: { platform: 'slack', userId: khan.id, callPlatform: 'zoom', open: 10 } });
    expect(timers[0]!.payload.conversationId).toBeUndefined();
    // Saving again moves the one reminder rather than adding a second.
    await chat.replay([['submit when=2026-11-30T08:30:00Z', { text: /08:30/, modes: ['private'] }]]);
    expect((await chat.deps.store.timers.list()).map((t) => t.dueAt)).toEqual(['2026-11-30T08:30:00.000Z']);
  });

  it('a "Remind me" button from before reminders were switched off opens nothing', async () => {
    const on = new Chat(undefined, { reminders: true });
    await returning(on, 'zoom');
    await on.replay(toSummary);
    const off = new Chat(on.deps);
    const { button } = on.find(khan, 'setup.remind');
    const replies = await off.feature.onAction!({ who: khan, where: on.where, input: { kind: 'action', action: 'setup.remind', value: button.value ?? '' }, at: new Date() }, 'setup.remind', button.value ?? '');
    expect(replies.map((r) => r.mode)).not.toContain('modal');
  });

  it('"Post to a channel" lists the known channels of the same platform and team and posts the checklist', async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    await addChannel(chat, 'C-STAFF');
    await addChannel(chat, 'C-OTHER-SCHOOL', 'T2');
    await addChannel(chat, '19:teams-channel', 'T1', 'teams');
    await chat.replay([
      ...toSummary,
      ['action setup.post', { text: [/Post to a channel/, /Channel C-STAFF/], not: /C-OTHER-SCHOOL|teams-channel/, modes: ['modal'] }],
      ['submit channel=C-OTHER-SCHOOL', { text: /Pick one of the channels in the list/, modes: ['form-errors'] }],
      ['submit channel=C-STAFF', { text: [/Secure-call checklist from Ms Khan/, /\[x\] Let people in one at a time/, /I've posted your checklist/], not: /\[Post to a channel/, modes: ['post', 'private'] }],
    ]);
    const posted = chat.last[0]!;
    expect(posted.mode === 'post' && posted.to).toBe('C-STAFF');
    expect(chat.openForm?.form?.id).toBe(SETUP_FORMS.post);
  });
});
