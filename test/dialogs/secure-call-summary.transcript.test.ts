/**
 * Transcript tests of what follows the setup's checklist: posting it to a channel and
 * "remind me before my next call" (recorded as a pending request until the scheduler arrives).
 */
import { addChannel, Chat, returning, TEACHERS, type Row } from './secure-call.harness.js';
import { SETUP_FORMS } from '../../dialogs/secure-call/ids.js';

const khan = TEACHERS.khan!;

describe('after the summary', () => {
  const toSummary: Row[] = [
    ['start', /What kind of call/],
    ['action setup.kind class', /Step 1 of 18/],
    ['action setup.done', /Step 2 of 18/],
    ['action setup.finish', /Your secure-call checklist/],
  ];

  it('"Remind me before my next call": a past time is refused (field named, value kept), a good one is recorded', async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    await chat.replay([
      ...toSummary,
      ['action setup.remind', { text: [/Remind me before my call/, /When is your next call\?/], modes: ['modal'] }],
      ['submit when=2026-11-20T08:00:00Z', { text: /That time has already passed/, modes: ['form-errors'] }],
    ]);
    const refused = chat.last[0]!;
    expect(refused.mode === 'form-errors' && refused.errors).toEqual({ when: 'That time has already passed. Pick a time in the future.' });
    expect(refused.prompt.form?.fields[0]).toMatchObject({ id: 'when', initial: '2026-11-20T08:00:00Z', error: expect.stringMatching(/already passed/) });
    expect(await chat.deps.store.requests.list()).toEqual([]);
    await chat.replay([
      ['submit when=2028-01-01T08:00:00Z', { text: /more than a year away/, modes: ['form-errors'] }],
      ['submit when=not-a-date', { text: /couldn't read that date/, modes: ['form-errors'] }],
      ['submit when=2026-11-30T08:15:00Z', { text: [/Saved: a reminder before your call on Monday, 30 November 2026 at 08:15/, /Reminders aren't switched on in SafeCall yet/, /sent once reminders are switched on/], modes: ['private'] }],
    ]);
    const requests = await chat.deps.store.requests.list();
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ kind: 'remind-before-call', platform: 'slack', userId: khan.id, conversationId: chat.where.id, dueAt: '2026-11-30T08:15:00.000Z' });
    expect((requests[0]!.detail.open as string[]).length).toBe(17);
  });

  it('"Post to a channel" explains that the bot must be added when it knows no channels', async () => {
    const chat = new Chat();
    await returning(chat, 'zoom');
    await chat.replay([...toSummary, ['action setup.post', { text: /Add SafeCall to the channel first/, modes: ['private'] }]]);
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
