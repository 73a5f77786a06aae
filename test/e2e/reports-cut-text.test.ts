/**
 * Text a person typed, cut to fit (the narrative's 600 characters on the DPO alert, Slack's and Teams'
 * limits), is cut between whole characters as people see them: an emoji, a flag or a family at the cut
 * is kept whole or left out, never split into a lone surrogate or half a sequence.
 */
import { startRig, eventually, type Rig } from '../rig/harness.js';
import { message, postTeams } from '../rig/teams-requests.js';
import { REPORT_FIELDS as F } from '../../dialogs/incidents/ids.js';
import { SETTINGS, SLACK_DPO_CHANNEL, TEAMS_DPO, submitReport } from './reports.rig.js';

const TEAMS_DPO_CHAT = '19:dpo-office@thread.tacv2';
let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ settingsYaml: SETTINGS });
  await postTeams(rig.url, message(rig.connector.url, TEAMS_DPO_CHAT, { id: TEAMS_DPO }, 'set dpo channel', 'channel'));
});
afterAll(async () => rig.stop());

/** Every string inside a JSON body. */
function strings(x: unknown): string[] {
  if (typeof x === 'string') return [x];
  if (Array.isArray(x)) return x.flatMap(strings);
  if (x && typeof x === 'object') return Object.values(x).flatMap(strings);
  return [];
}

/** The text just before the cut's "…" in the alert's strings that hold the narrative's start. */
const cutsOf = (body: unknown, start: string) =>
  strings(body)
    .filter((s) => s.includes(start) && s.includes('…'))
    .map((s) => s.slice(s.indexOf(start), s.indexOf('…', s.indexOf(start))));

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const graphemes = (s: string) => [...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(s)].map((g) => g.segment);

test.each([
  ['an emoji', 'a'.repeat(598), '😀'],
  ['a flag', 'b'.repeat(597), '🇬🇧'],
  ['a family', 'c'.repeat(596), '👩‍👩‍👧'],
])('%s across the 600-character cut of the narrative reaches the DPO whole or not at all, on Slack and Teams', async (_name, lead, symbol) => {
  const narrative = `${lead}${symbol}${'z'.repeat(50)}`;
  const ref = await submitReport(rig, 'U0EMOJI', { [F.narrative]: narrative });
  const slack = await eventually(() => {
    const found = rig.slack.calls.find((c) => c.path === '/api/chat.postMessage' && c.body.channel === SLACK_DPO_CHANNEL && JSON.stringify(c.body).includes(ref));
    expect(found).toBeDefined();
    return found!;
  });
  const teams = await eventually(() => {
    const found = rig.connector.activities(TEAMS_DPO_CHAT).find((a) => a.kind === 'send' && JSON.stringify(a.body).includes(ref));
    expect(found).toBeDefined();
    return found!;
  });
  for (const body of [slack.body, teams.body]) {
    expect(strings(body).filter((s) => LONE_SURROGATE.test(s))).toEqual([]);
    const cuts = cutsOf(body, lead.slice(0, 20));
    expect(cuts.length).toBeGreaterThan(0);
    // What is shown before "…" is whole characters of the narrative: the symbol entire, or not there.
    for (const cut of cuts) expect(graphemes(narrative).slice(0, graphemes(cut).length).join('')).toBe(cut);
  }
});
