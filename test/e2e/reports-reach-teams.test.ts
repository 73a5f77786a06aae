/**
 * A Teams DPO who never wrote to the bot (issue 22): the README promises them a direct message. Teams lets a
 * bot open a 1:1 chat with a person from their Entra object id, the tenant and the serviceUrl, when the app
 * is installed for them; SafeCall does that, end to end through real botbuilder against the fake Bot
 * Connector. Where Teams refuses (the app is not installed for them), the admins are told what to do, the
 * case goes to them meanwhile, and the alert reaches the DPO once they have talked to the bot.
 */
import { REPORT_ACTIONS as A } from '../../dialogs/incidents/ids.js';
import { TEAM } from '../rig/fake-slack.js';
import { TENANT } from '../rig/teams-requests.js';
import { alertHealth, flush, MINUTE, MONDAY_9, reportOnTeams, sayOnTeams, sentOnTeams, startReach, teamsChat, tickAt, type Reach } from './reports-reach.rig.js';

const settings = (dpo: string) => `school:
  name: Hillside
  timezone: Europe/London
slack:
  teamId: ${TEAM}
teams:
  admins: [aad-admin]
  dpo: [${dpo}]
`;

let x: Reach;
afterAll(async () => x?.rig.stop());

test('the alert opens a chat with a Teams DPO who never wrote to the bot; where Teams refuses, the admins are told and it arrives once the DPO says hello', async () => {
  x = await startReach(settings('aad-dpo'));
  const { rig } = x;
  await sayOnTeams(x, 'aad-admin', 'hello');
  const { ref } = await reportOnTeams(x, 'aad-teacher');
  await flush(rig);
  // A 1:1 chat opened with the DPO by their Entra object id, in the tenant the bot knows, and the alert in it.
  const created = rig.connector.calls.filter((c) => c.path === '/v3/conversations' && c.method === 'POST');
  expect(created).toHaveLength(1);
  expect(created[0]!.body).toMatchObject({ isGroup: false, members: [expect.objectContaining({ id: 'aad-dpo' })], tenantId: TENANT, channelData: { tenant: { id: TENANT } } });
  const chat = String(created[0]!.reply?.id);
  const alert = sentOnTeams(rig, chat, ref);
  expect(alert).toHaveLength(1);
  expect(JSON.stringify(alert[0]!.body)).toContain(A.acknowledge);
  expect(sentOnTeams(rig, teamsChat('aad-teacher'), new RegExp(`${ref}\\W+it has reached`))).toHaveLength(1);
  // The chat is kept: the next message goes to it without opening another.
  await tickAt(x, MONDAY_9.getTime() + MINUTE);
  expect(rig.connector.calls.filter((c) => c.path === '/v3/conversations')).toHaveLength(1);

  // A new DPO, named while the server runs, for whom the app is not installed: Teams refuses the chat.
  rig.connector.refuseCreate = { status: 403, code: 'Forbidden' };
  await rig.editSettings(settings('aad-dpo2'));
  await tickAt(x, MONDAY_9.getTime() + 2 * MINUTE);
  const toAdmin = sentOnTeams(rig, teamsChat('aad-admin'), /aad-dpo2/);
  expect(toAdmin).toHaveLength(1);
  expect(JSON.stringify(toAdmin[0]!.body)).toMatch(/open SafeCall in Teams and say hello/);
  expect(sentOnTeams(rig, teamsChat('aad-admin'), ref).filter((a) => JSON.stringify(a.body).includes(A.acknowledge))).toHaveLength(1);
  expect((await alertHealth(rig)).problems.map((p) => p.destination)).toEqual(['teams:user:aad-dpo2']);

  // A restart, then the new DPO opens SafeCall and says hello: the next try reaches them, once.
  await rig.restart();
  await sayOnTeams(x, 'aad-dpo2', 'hello');
  await tickAt(x, MONDAY_9.getTime() + 8 * MINUTE);
  expect(sentOnTeams(rig, teamsChat('aad-dpo2'), ref).filter((a) => JSON.stringify(a.body).includes(A.acknowledge))).toHaveLength(1);
  expect((await alertHealth(rig)).ok).toBe(true);
  await tickAt(x, MONDAY_9.getTime() + 14 * MINUTE);
  expect(sentOnTeams(rig, teamsChat('aad-dpo2'), ref).filter((a) => JSON.stringify(a.body).includes(A.acknowledge))).toHaveLength(1);
});
