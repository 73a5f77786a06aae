/**
 * The audit of every guidance item × platform against the vendors' own help pages (issue 24), written down as
 * data, so a later edit that drops a mark, states an admin's setting as the teacher's own, or brings back a
 * name or a claim the vendors' pages contradict fails here. The pages and quotes are in content/sources.yaml;
 * the ledger, fact by fact, is docs/guidance-sources.md.
 *
 * What each block rests on:
 * - ok: every setting it names is quoted from a vendor page it cites, and nothing in it rests on no page.
 * - unc: a vendor page confirms part of it or none of it; the rest says in plain words what to look for, and
 *   the block is marked `unconfirmed` (every view shows the mark once).
 * - gen: general advice: it names no setting and cites nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTENT_DIR, loadContent } from '../../src/content/load.js';
import { CALL_PLATFORMS, type CallPlatform, type PlatformSteps } from '../../src/core/guidance/schema.js';
import { isVendorPage, namedSettings } from '../../src/content/guidance-rules.js';

const { guidance } = loadContent();

type Basis = 'ok' | 'unc' | 'gen';
const AUDIT = `
item                          zoom    teams   meet
waiting-room                  unc     ok      unc
host-joins-first              ok      ok      unc
unique-meeting-id             unc     ok      unc
meeting-passcode              ok      unc     unc
no-public-links               gen     gen     gen
lock-meeting                  ok      ok      unc
host-only-screen-share        ok      unc     unc
disable-annotation            unc     unc     unc
disable-file-transfer         unc     unc     unc
disable-private-chat          ok      unc     unc
disable-dial-in               unc     unc     unc
recording-off                 ok      unc     ok
mute-on-entry                 ok      ok      unc
stop-participant-video        unc     ok      unc
remove-participant            unc     unc     ok
screen-share-privacy-check    ok      unc     gen
virtual-background            ok      unc     unc
real-names                    ok      ok      ok
data-region                   ok      ok      ok
opt-out-of-sale               unc     gen     gen
apply-updates                 unc     unc     gen
secure-network                gen     gen     gen
understand-privacy-policy     gen     gen     gen
end-to-end-encryption         unc     gen     gen
encrypt-and-minimise-records  gen     gen     ok
delete-recordings-term-end    ok      ok      ok
breach-procedure              gen     gen     gen
zoombombing-response          unc     unc     unc
dpia-review                   ok      ok      ok
`;
const rows = AUDIT.trim()
  .split('\n')
  .slice(1)
  .map((l) => l.trim().split(/\s+/) as [string, Basis, Basis, Basis]);

/** The settings the vendors' pages say only an account owner or admin can change: they go on the list for IT. */
const ADMIN_ONLY = new Set([
  'mute-on-entry/zoom', // "Account owners and admins can choose to automatically mute all participants" (Z5)
  'disable-file-transfer/zoom', // "Account owners and admins can enable webinar file transfers ... also available for in-meeting" (Z14)
  'disable-private-chat/zoom', // "Account owners and admins can disable private chat" (Z15)
  'disable-private-chat/teams', // students' Messaging policy, Chat (T5)
  'host-joins-first/meet', // Admin console, Meet safety settings (G13)
  'recording-off/zoom', // Account Settings, Recording tab; the consent prompt is the admins' (Z22, Z4)
  'recording-off/meet', // Admin console, Meet video settings (G7, G3)
  'real-names/teams', // meeting policy, Anonymous users can join a meeting (T16)
  'data-region/zoom', // "Account owners and admins on paid accounts" (Z9)
  'data-region/teams', // where the tenant was provisioned (T17)
  'data-region/meet', // a data region policy, set by an administrator (G6)
]);

const block = (id: string, p: CallPlatform): PlatformSteps => guidance.byId.get(id)!.platforms[p];
const allText = (s: PlatformSteps) =>
  [s.where ?? '', ...s.steps, ...(s.recurringSteps ?? []), s.alternative ?? '', s.ifNotFound].join('\n');

test('the audit covers every item and no other', () => {
  expect(rows.map((r) => r[0]).sort()).toEqual(guidance.items.map((i) => i.id).sort());
});

describe.each(rows)('%s', (id, ...bases) => {
  test.each(CALL_PLATFORMS.map((p, i) => [p, bases[i]!] as const))('on %s: %s', (p, basis) => {
    const s = block(id, p);
    expect({ unconfirmed: !!s.unconfirmed }).toEqual({ unconfirmed: basis === 'unc' });
    if (basis === 'ok') expect(s.refs.length).toBeGreaterThan(0);
    if (basis === 'gen') expect({ refs: s.refs, where: s.where, names: namedSettings(allText(s)) }).toEqual({ refs: [], where: undefined, names: [] });
    expect({ setBy: s.setBy ?? 'teacher' }).toEqual({ setBy: ADMIN_ONLY.has(`${id}/${p}`) ? 'admin' : 'teacher' });
  });
});

test('every reference is a page on its vendor\'s own site, read on a date, and cited by some step', () => {
  const cited = new Set(guidance.items.flatMap((i) => CALL_PLATFORMS.flatMap((p) => i.platforms[p].refs)));
  for (const r of guidance.sources.references) {
    expect({ id: r.id, vendor: isVendorPage(r.platform, r.url) }).toEqual({ id: r.id, vendor: true });
    expect(r.read).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect({ id: r.id, cited: cited.has(r.id) }).toEqual({ id: r.id, cited: true });
  }
});

test('no third-party page is a source any more: no thirdParty flag and no "(3p)" anywhere in content/', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
  const hits = files(CONTENT_DIR).filter((f) => /thirdParty|\(3p\)/.test(readFileSync(f, 'utf8')));
  expect(hits).toEqual([]);
});

/** Issue 24's corrections, each as the vendor page has it: what the block must say now, what it must no longer say, its page. */
const CORRECTIONS: { at: string; says: RegExp[]; not?: RegExp[]; ref?: string }[] = [
  // Zoom: account or group settings for owners and admins, not the teacher's own.
  { at: 'mute-on-entry/zoom', says: [/\*\*Mute all participants when they join a meeting\*\*/, /owners and admins: ask IT/], ref: 'Z5' },
  { at: 'screen-share-privacy-check/zoom', says: [/ask IT: \*\*Disable desktop screen sharing for meetings you host\*\* is an account or group setting/], not: [/turn on \*\*Disable desktop/], ref: 'Z11' },
  { at: 'virtual-background/zoom', says: [/\*\*Manage virtual backgrounds\*\* is where a Zoom admin/, /reach only users of the school's Zoom account, not students joining from their own/], not: [/Add a plain school background with/], ref: 'Z8' },
  { at: 'virtual-background/zoom', says: [/\*\*Require users to always use virtual background\*\* is an account or group setting/, /5\.6\.6/], ref: 'Z20' },
  // Zoom: the phone passcode's name today, asked only where phone joining is still allowed.
  { at: 'meeting-passcode/zoom', says: [/\*\*Require passcode for participants joining by phone\*\*/, /Only if your lessons still let people join by phone/], not: [/phone joiners/], ref: 'Z18' },
  // Teams: "Record automatically" is not a name any page confirms today; the step says what to look for.
  { at: 'recording-off/teams', says: [/recorded \(and transcribed\) automatically/], not: [/\*\*Record automatically\*\*/, /\*\*Record and transcribe automatically\*\*/] },
  // Teams mid-incident: act on the intruder; changing who can present is not what stops them.
  { at: 'zoombombing-response/teams', says: [/remove them from the meeting/, /make them an attendee/, /may not stop someone who is already presenting/], not: [/\*\*Who can present\?\*\* to \*\*Only me\*\* to stop their screen share/] },
  // Teams data region: UK tenants already keep Teams data at rest in the UK; Advanced Data Residency extends it.
  { at: 'data-region/teams', says: [/set up in the United Kingdom, Microsoft's terms already keep Teams chat, channel and meeting conversations at rest in the UK/, /\*\*Advanced Data Residency\*\* add-on extends/], not: [/needs it guaranteed to stay in the UK/], ref: 'T17' },
  // Meet: a Classroom link's code is not one code for every lesson.
  { at: 'unique-meeting-id/meet', says: [/Google Classroom may not keep its code once everyone has left/], not: [/Meet link of its Google Classroom class\): every lesson uses the same code/] },
  // Meet data region, as the current page lists it (recordings with their chat, and attendance reports too).
  { at: 'data-region/meet', says: [/recordings in Drive \(with their chat\)/, /attendance reports/, /United States or Europe/], ref: 'G6' },
  // Inconsistencies a teacher saw: the first step of a before-the-call item is done before the call.
  { at: 'waiting-room/zoom', says: [/^When you schedule the lesson/] },
  // The term-end item is for every term; closing the account is the summer term's, and no step says it.
  { at: 'delete-recordings-term-end/zoom', says: [/last week of each term/], not: [/summer term/, /close your Zoom account/, /account/] },
  { at: 'delete-recordings-term-end/teams', says: [/last week of each term/], not: [/summer term/, /account/] },
  { at: 'delete-recordings-term-end/meet', says: [/last week of each term/], not: [/summer term/, /account/] },
  // Earlier corrections (2026-12-01) that still hold on the vendors' pages.
  { at: 'delete-recordings-term-end/teams', says: [/Recordings and transcriptions automatically expire/, /120 days/, /A1 .*at most 30 days/, /recycle bin/, /OneDrive/, /SharePoint/], ref: 'T13' },
  { at: 'waiting-room/teams', says: [/Only organizers and co-organizers/, /People who were invited/, /forwarded/], not: [/People I invite/], ref: 'T14' },
  { at: 'disable-private-chat/zoom', says: [/\*\*Meeting chat - Direct messages\*\*/, /In Meeting \(Basic\)/], ref: 'Z15' },
  { at: 'real-names/teams', says: [/Anonymous users can join a meeting/], not: [/Let anonymous people/], ref: 'T16' },
  { at: 'recording-off/meet', says: [/Education Plus/, /Teaching and Learning Upgrade/, /nothing to switch off/, /My Drive > Meet\s+Recordings/], ref: 'G7' },
  { at: 'mute-on-entry/teams', says: [/doesn't stop people who call in by phone from turning their mic on/], ref: 'T8' },
  { at: 'zoombombing-response/zoom', says: [/\*\*Report\*\* is under \*\*Participants\*\*/, /\*\*Annotate on Shared Content\*\*/], ref: 'Z1' },
];

test.each(CORRECTIONS)('correction at $at', ({ at, says, not = [], ref }) => {
  const [id, p] = at.split('/') as [string, CallPlatform];
  const s = block(id, p);
  const text = allText(s);
  for (const re of says) expect(re.source.startsWith('^') ? s.steps[0] : text).toMatch(re);
  for (const re of not) expect(text).not.toMatch(re);
  if (ref) expect(s.refs).toContain(ref);
  expect(guidance.byId.get(id)!.reviewed).toBe('2026-12-07');
});

describe('missing guidance that issue 24 added', () => {
  test('annotation: an item of its own on every platform, and the Zoom playbook turns it off', () => {
    const item = guidance.byId.get('disable-annotation')!;
    expect(item.platforms.zoom.steps.join('\n')).toMatch(/\*\*Annotate on Shared Content\*\*/);
    expect(block('zoombombing-response', 'zoom').steps.join('\n')).toMatch(/drawing on your screen/);
  });

  test('no joining before the host, on each platform', () => {
    const item = guidance.byId.get('host-joins-first')!;
    expect(item.platforms.zoom.steps.join('\n')).toMatch(/can't join before you/);
    expect(item.platforms.zoom.ifNotFound).toMatch(/\*\*Allow participants to join before host\*\*/);
    expect(item.platforms.teams.steps.join('\n')).toMatch(/\*\*Only organizers and co-organizers\*\*: everyone else waits in the lobby until you let them in, even if they arrive before you/);
    expect(item.platforms.teams.ifNotFound).toMatch(/\*\*Anonymous users and dial-in callers can start a\s+meeting\*\*/);
    expect(item.platforms.meet.steps.join('\n')).toMatch(/\*\*Host must join before anyone else can join\*\*/);
  });

  test("the 2020 assessment's end-to-end encryption claim gets a correction", () => {
    const item = guidance.byId.get('end-to-end-encryption')!;
    expect(item.why).toMatch(/says Zoom calls are now end-to-end encrypted/);
    expect(item.platforms.zoom.steps.join('\n')).toMatch(/switches off features such as joining before the host and cloud recording/);
  });

  test.each([
    ['meeting-passcode', 'meet', /Google Meet has no meeting passcode that we could find/],
    ['lock-meeting', 'meet', /Google Meet has no lock that we could find/],
    ['disable-file-transfer', 'teams', /Teams has no switch for files alone that we could find/],
    ['disable-file-transfer', 'meet', /We found no way to send files in the Meet chat/],
    ['disable-private-chat', 'meet', /Google Meet has no private messages in its chat that we could find/],
  ] as const)('%s on %s says plainly there is no such switch, and what comes closest', (id, p, says) => {
    const s = block(id, p);
    expect(s.support).toBe('none');
    expect(s.alternative).toMatch(says);
    expect(s.alternative).toMatch(/closest|turn off|instead|Restricted/);
  });
});
