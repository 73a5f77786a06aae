/**
 * Junk activities, the message-size bound, redeliveries and the install pair on the Teams endpoint (local
 * mode, real botbuilder, fake Bot Connector). Junk is refused with 400 before botbuilder and stores nothing.
 */
import { startRig, eventually, type Rig } from '../rig/harness.js';
import { BOT, activity, message, postTeams } from '../rig/teams-requests.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ slack: false });
});
afterAll(async () => rig.stop());
beforeEach(() => rig.connector.clear());
afterEach(async () => expect((await fetch(`${rig.url}/healthz`)).status).toBe(200));

/** Everything stored (files on lowdb, records on PostgreSQL), to check that a refused activity left no trace. */
const stored = () => rig.storedText();

/** A later good activity whose reply proves the server has handled everything sent before it. */
async function sentinel(conv: string) {
  await postTeams(rig.url, message(rig.connector.url, conv, { id: `aad-${conv}` }, 'help'));
  await rig.connector.waitForConversation(conv);
}

const linesMatching = (pattern: RegExp) => rig.logs.filter((l) => pattern.test(l));

describe('junk activities', () => {
  const good = () => message(rig.connector.url, 'a:junk', { id: 'aad-junk' }, 'help');
  test.each([
    ['from is a string', { from: 'someone' }],
    ['from has no id', { from: { name: 'x' } }],
    ['from.id is a number', { from: { id: 5 } }],
    ['conversation is a string', { conversation: 'a:junk' }],
    ['conversation.id is a number', { conversation: { id: 7 } }],
    ['text is a number', { text: 5 }],
    ['text is an object', { text: { a: 1 } }],
    ['type is missing', { type: undefined }],
    ['serviceUrl is a number', { serviceUrl: 5 }],
    ['membersAdded is not a list', { type: 'conversationUpdate', membersAdded: 'bot' }],
    // Found by the fuzz suite: botbuilder copies these into the reply and its serializer threw, so the turn
    // failed (a message got no reply; an invoke got botbuilder's 501).
    ['locale is an object', { locale: { lang: 'en' } }],
    ['conversation.isGroup is a string', { conversation: { id: 'a:junk', isGroup: 'yes' } }],
    ['from.role is a number', { from: { id: '29:aad-junk', role: 3 } }],
  ])('%s: 400, nothing sent, nothing saved', async (_name, change) => {
    const res = await postTeams(rig.url, { ...good(), ...change });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/does not fit/);
    await sentinel('a:after-junk');
    expect(rig.connector.activities('a:junk')).toHaveLength(0);
    const data = await stored();
    expect(data).not.toMatch(/teams:undefined|teams:\[object Object\]|aad-junk/);
  });

  test('a message action whose commandId names an Object.prototype member (constructor, __proto__) is answered, not a failed turn', async () => {
    for (const commandId of ['constructor', '__proto__', 'toString']) {
      const res = await postTeams(rig.url, activity(rig.connector.url, 'a:proto', { id: 'aad-proto' }, { type: 'invoke', name: 'composeExtension/fetchTask', value: { commandId, messagePayload: {} } }));
      expect(res.status).toBe(200);
    }
    expect(linesMatching(/"level":50/)).toEqual([]);
  });

  test('each refusal is one log line naming the field', async () => {
    const before = linesMatching(/does not fit \(text:/).length;
    await postTeams(rig.url, { ...good(), text: 5 });
    expect(linesMatching(/does not fit \(text:/)).toHaveLength(before + 1);
  });
});

describe('the message-size bound', () => {
  test('a message far longer than a question gets a clear reply, not a search', async () => {
    const words = Array.from({ length: 3000 }, (_, i) => `word${i}`).join(' ');
    expect((await postTeams(rig.url, message(rig.connector.url, 'a:long', { id: 'aad-long' }, words))).status).toBe(200);
    const sent = await rig.connector.waitForConversation('a:long');
    expect(JSON.stringify(sent.body)).toMatch(new RegExp(`${words.length} characters long.*fewer than 2000 characters`));
  });
});

describe('each delivery once', () => {
  test('an activity redelivered (same id, same conversation) gets one reply', async () => {
    const once = message(rig.connector.url, 'a:redelivered', { id: 'aad-re' }, 'help');
    expect((await postTeams(rig.url, once)).status).toBe(200);
    expect((await postTeams(rig.url, once)).status).toBe(200);
    await sentinel('a:after-redelivery');
    expect(rig.connector.activities('a:redelivered')).toHaveLength(1);
    expect(linesMatching(/redelivered activity was acknowledged/)).toHaveLength(1);
  });

  test('three copies at once get one reply', async () => {
    const once = message(rig.connector.url, 'a:burst', { id: 'aad-burst' }, 'help');
    const answers = await Promise.all([1, 2, 3].map(() => postTeams(rig.url, once)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    await sentinel('a:after-burst');
    expect(rig.connector.activities('a:burst')).toHaveLength(1);
  });

  test('the same id in another conversation is a different activity', async () => {
    const first = message(rig.connector.url, 'a:one', { id: 'aad-1' }, 'help');
    await postTeams(rig.url, first);
    await postTeams(rig.url, { ...message(rig.connector.url, 'a:two', { id: 'aad-1' }, 'help'), id: first.id });
    await rig.connector.waitForConversation('a:two');
  });

  test('a redelivered invoke gets its invoke response again, and no second effect', async () => {
    const inv = activity(rig.connector.url, 'a:invoke', { id: 'aad-inv' }, { type: 'invoke', name: 'adaptiveCard/action', value: { action: { data: { nothing: true } } } });
    const a = await postTeams(rig.url, inv);
    const b = await postTeams(rig.url, inv);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(JSON.parse(b.text)).toMatchObject({ statusCode: 200 });
  });
});

describe('one welcome per install', () => {
  const installation = (conv: string, action: string) =>
    activity(rig.connector.url, conv, { id: 'aad-install' }, { type: 'installationUpdate', action });
  const added = (conv: string) => activity(rig.connector.url, conv, { id: 'aad-install' }, { type: 'conversationUpdate', membersAdded: [{ id: BOT.id, name: BOT.name }] });
  const welcomes = (conv: string) => rig.connector.activities(conv).filter((a) => /Hello! I'm SafeCall/.test(JSON.stringify(a.body)));

  test('installationUpdate and conversationUpdate for one install give one welcome', async () => {
    await postTeams(rig.url, installation('a:install', 'add'));
    await postTeams(rig.url, added('a:install'));
    await sentinel('a:after-install');
    expect(welcomes('a:install')).toHaveLength(1);
  });

  test('both at once still give one welcome', async () => {
    await Promise.all([postTeams(rig.url, installation('a:install-2', 'add')), postTeams(rig.url, added('a:install-2'))]);
    await sentinel('a:after-install-2');
    expect(welcomes('a:install-2')).toHaveLength(1);
  });

  test('removed and installed again: welcomed again', async () => {
    await postTeams(rig.url, installation('a:install-3', 'add'));
    await rig.connector.waitForConversation('a:install-3');
    await postTeams(rig.url, installation('a:install-3', 'remove'));
    await postTeams(rig.url, installation('a:install-3', 'add'));
    await eventually(() => expect(welcomes('a:install-3')).toHaveLength(2));
  });
});

describe('the GET probe', () => {
  test('GET /api/messages is answered 200 plainly, with no warning', async () => {
    const res = await fetch(`${rig.url}/api/messages`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/POST/);
    expect(rig.logLines().filter((l) => l.level === 40 && /teams/.test(String(l.msg)) && /only POST/.test(String(l.msg)))).toEqual([]);
  });

  test('other methods are still refused with 405', async () => {
    expect((await fetch(`${rig.url}/api/messages`, { method: 'PUT', body: '{}' })).status).toBe(405);
  });
});
