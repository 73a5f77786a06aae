/**
 * The audit of every guidance item × platform against /work/shared/sources/PLATFORM-SETTINGS.md (its table and
 * its "Corrections from a review against the vendors' pages"), written down as data, so a later edit that
 * states an unconfirmed setting as fact, flags a confirmed one, cites the wrong kind of source, or brings
 * back a name the vendors have changed fails here.
 *
 * What each block rests on:
 * - vendor: the settings it names are confirmed by a vendor page, and it cites one.
 * - 3p: a setting it names is confirmed only by the third-party pages the table marks (3p), and it cites one.
 * - unv: it names a setting no source confirms, so it is `unconfirmed` (the bot says it couldn't confirm the
 *   name) and its steps say what to look for.
 * - none: general advice, no setting named, so no `where`.
 */
import { loadContent } from '../../src/content/load.js';
import { CALL_PLATFORMS, type CallPlatform, type PlatformSteps } from '../../src/core/guidance/schema.js';

const { guidance } = loadContent();

type Basis = 'vendor' | '3p' | 'unv' | 'none';
const AUDIT = `
item                          zoom    teams   meet
waiting-room                  vendor  vendor  vendor
unique-meeting-id             3p      vendor  vendor
meeting-passcode              3p      vendor  vendor
no-public-links               none    none    none
lock-meeting                  vendor  vendor  vendor
host-only-screen-share        vendor  3p      3p
disable-file-transfer         vendor  unv     3p
disable-private-chat          vendor  vendor  3p
disable-dial-in               vendor  vendor  vendor
recording-off                 vendor  vendor  vendor
mute-on-entry                 vendor  vendor  3p
stop-participant-video        vendor  vendor  3p
remove-participant            vendor  3p      3p
screen-share-privacy-check    vendor  unv     none
virtual-background            vendor  unv     vendor
real-names                    vendor  vendor  vendor
data-region                   vendor  vendor  vendor
opt-out-of-sale               unv     none    none
apply-updates                 vendor  vendor  none
secure-network                none    none    none
understand-privacy-policy     none    none    none
encrypt-and-minimise-records  none    none    vendor
delete-recordings-term-end    vendor  vendor  vendor
breach-procedure              none    none    none
zoombombing-response          vendor  3p      3p
dpia-review                   vendor  vendor  vendor
`;
const rows = AUDIT.trim()
  .split('\n')
  .slice(1)
  .map((l) => l.trim().split(/\s+/) as [string, Basis, Basis, Basis]);

/** The settings the sources say only an admin can change (the corrections name the renamed ones). */
const ADMIN_ONLY = new Set([
  'data-region/zoom', // paid accounts choose regions for the account (Z9)
  'data-region/teams', // tenant geography (T10)
  'data-region/meet', // Admin console, Data regions (G6)
  'disable-private-chat/teams', // Messaging policy "Chat" (T5)
  'real-names/teams', // admin setting "Anonymous users can join a meeting" (T15)
  'recording-off/zoom', // Account Settings → Recording; consent prompt is the account admin's (Z4, KB0059819)
  'recording-off/meet', // Admin console, Meet video and safety settings (G3, G4)
]);

const references = new Map(guidance.sources.references.map((r) => [r.id, r]));
const block = (id: string, p: CallPlatform): PlatformSteps => guidance.byId.get(id)!.platforms[p];
const allText = (s: PlatformSteps) =>
  [s.where ?? '', ...s.steps, ...(s.recurringSteps ?? []), s.alternative ?? '', s.ifNotFound].join('\n');

test('the audit covers every item and no other', () => {
  expect(rows.map((r) => r[0]).sort()).toEqual(guidance.items.map((i) => i.id).sort());
});

describe.each(rows)('%s', (id, ...bases) => {
  test.each(CALL_PLATFORMS.map((p, i) => [p, bases[i]!] as const))('on %s: %s', (p, basis) => {
    const s = block(id, p);
    const cited = s.refs.map((r) => references.get(r)!);
    // "I couldn't confirm the exact name of this setting" exactly where no source confirms the name.
    expect({ unconfirmed: !!s.unconfirmed }).toEqual({ unconfirmed: basis === 'unv' });
    if (basis === 'vendor') expect(cited.some((r) => !r.thirdParty)).toBe(true);
    if (basis === '3p') expect(cited.some((r) => r.thirdParty)).toBe(true);
    if (basis === 'none') expect(s.where).toBeUndefined();
    expect({ setBy: s.setBy ?? 'teacher' }).toEqual({ setBy: ADMIN_ONLY.has(`${id}/${p}`) ? 'admin' : 'teacher' });
  });
});

/** Each row of the corrections section: what the block must say now, what it must no longer say, its source. */
const CORRECTIONS: { at: string; says: RegExp[]; not?: RegExp[]; ref: string }[] = [
  {
    at: 'delete-recordings-term-end/teams',
    says: [/Recordings and transcriptions automatically expire/, /120 days/, /A1 .*at most 30 days/, /recycle bin/, /OneDrive/, /SharePoint/],
    not: [/Meetings automatically expire/],
    ref: 'T13',
  },
  {
    at: 'waiting-room/teams',
    says: [/Only organizers and co-organizers/, /People who were invited/, /forwarded/],
    not: [/People I invite/, /\*\*Only organizers\*\*/],
    ref: 'T14',
  },
  { at: 'meeting-passcode/teams', says: [/Only organizers and\s+co-organizers/], not: [/\*\*Only organizers\*\*/], ref: 'T14' },
  { at: 'disable-file-transfer/zoom', says: [/\*\*Send files via meeting chat\*\*/, /In Meeting \(Basic\)/], not: [/Turn off \*\*File transfer\*\*/], ref: 'Z13' },
  { at: 'disable-private-chat/zoom', says: [/\*\*Meeting chat - Direct messages\*\*/, /In Meeting \(Basic\)/], ref: 'Z15' },
  { at: 'recording-off/zoom', says: [/consent/, /admin/], ref: 'Z4' },
  { at: 'zoombombing-response/zoom', says: [/\*\*Participants\*\* → .*\*\*Report\*\*/, /\*\*Security\*\* → \*\*Suspend participant activities\*\*/], not: [/\*\*Security\*\* → \*\*Report\*\*/], ref: 'Z1' },
  { at: 'remove-participant/zoom', says: [/\*\*Report\*\* is in \*\*Participants\*\*/], not: [/report the person to Zoom from \*\*Security\*\*/], ref: 'Z1' },
  { at: 'virtual-background/zoom', says: [/Require users to always use virtual background\*\* is an account or group setting/, /ask IT/, /5\.6\.6/], ref: 'Z8' },
  { at: 'real-names/teams', says: [/Anonymous users can join a meeting/], not: [/Let anonymous people/], ref: 'T15' },
  { at: 'unique-meeting-id/meet', says: [/365\s+days/, /isn't attached to any future\s+Calendar event/], ref: 'G2' },
  { at: 'recording-off/meet', says: [/Education Plus/, /Teaching and Learning Upgrade/, /nothing to switch off/, /My Drive → Meet\s+Recordings/], ref: 'G7' },
  { at: 'delete-recordings-term-end/meet', says: [/Education Plus/, /Teaching and Learning Upgrade/, /My Drive → Meet Recordings/], ref: 'G7' },
  { at: 'encrypt-and-minimise-records/meet', says: [/Education Plus/, /My Drive → Meet Recordings/], ref: 'G7' },
  { at: 'disable-dial-in/meet', says: [/\*\*Restricted\*\*/, /phone must also ask to join/], ref: 'G1' },
  { at: 'mute-on-entry/teams', says: [/doesn't stop people who dialled in by phone from unmuting/], ref: 'T8' },
  { at: 'waiting-room/teams', says: [/may already be set for you/], ref: 'T5' },
  { at: 'host-only-screen-share/teams', says: [/may already be set for you/], ref: 'T5' },
  { at: 'disable-dial-in/teams', says: [/may already be set for you/], ref: 'T5' },
  { at: 'waiting-room/meet', says: [/Google Classroom/, /class list get straight in once a teacher is there/], ref: 'G8' },
  // No source either way: phrased as what was (not) found, not as fact.
  { at: 'unique-meeting-id/teams', says: [/We found no personal meeting ID/], not: [/Teams has no personal meeting ID/], ref: 'T3' },
  { at: 'meeting-passcode/meet', says: [/We found no passcode option/], not: [/Meet has no passcode/], ref: 'G1' },
  { at: 'lock-meeting/meet', says: [/We found no lock/], not: [/Meet has no lock/], ref: 'G1' },
  { at: 'zoombombing-response/meet', says: [/We found no lock/], not: [/Meet has no lock/], ref: 'G1' },
];

test.each(CORRECTIONS)('correction at $at cites $ref', ({ at, says, not = [], ref }) => {
  const [id, p] = at.split('/') as [string, CallPlatform];
  const s = block(id, p);
  const text = allText(s);
  for (const re of says) expect(text).toMatch(re);
  for (const re of not) expect(text).not.toMatch(re);
  expect(s.refs).toContain(ref);
  expect(guidance.byId.get(id)!.reviewed).toBe('2026-12-02');
});

test('the Teams "Manage what attendees see" preview has no vendor source, so it is phrased as what to look for', () => {
  const s = block('screen-share-privacy-check', 'teams');
  expect(s.unconfirmed).toBe(true);
  expect(allText(s)).not.toMatch(/\*\*Manage what attendees see\*\*/);
});

test('Meet\'s shield icon is only said to be bottom right on a computer', () => {
  for (const item of guidance.items) expect(allText(item.platforms.meet)).not.toMatch(/shield icon, bottom right/);
});
