import { ConfigError, isLoopback, loadEnv, parseSettings } from '../src/config.js';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('environment', () => {
  test('defaults: port 3978 on loopback, data in ./data, Slack off, Teams local', () => {
    const env = loadEnv({});
    expect(env).toMatchObject({ PORT: 3978, HOST: '127.0.0.1', DATA_DIR: './data' });
    expect(env.SLACK_BOT_TOKEN).toBeUndefined();
    expect(env.MicrosoftAppId).toBeUndefined();
  });

  test('a non-loopback HOST without MicrosoftAppId is refused, naming HOST and the fix', () => {
    const [p] = problems(() => loadEnv({ HOST: '0.0.0.0' }));
    expect(p).toMatch(/^HOST: 0\.0\.0\.0 is not a loopback address.*trusts any caller.*MicrosoftAppId/);
    expect(() => loadEnv({ HOST: '0.0.0.0', MicrosoftAppId: 'x', MicrosoftAppPassword: 'y' })).not.toThrow();
  });

  test.each([
    [{ PORT: 'eighty' }, /^PORT: /],
    [{ PORT: '70000' }, /^PORT: /],
    [{ SLACK_BOT_TOKEN: 'xoxp-user-token', SLACK_SIGNING_SECRET: 's' }, /^SLACK_BOT_TOKEN: must be a bot token/],
    [{ SLACK_BOT_TOKEN: 'xoxb-1' }, /^SLACK_SIGNING_SECRET: is required/],
    [{ SLACK_SIGNING_SECRET: 's' }, /^SLACK_BOT_TOKEN: is required/],
    [{ SLACK_API_URL: 'http://example' }, /^SLACK_API_URL: must be a URL ending in \//],
    [{ MicrosoftAppType: 'Weird' }, /^MicrosoftAppType: /],
    [{ MicrosoftAppId: 'a', MicrosoftAppType: 'SingleTenant' }, /^MicrosoftAppTenantId: is required/],
  ])('%j is refused with a message naming the variable', (env, pattern) => {
    expect(problems(() => loadEnv(env as NodeJS.ProcessEnv)).join('\n')).toMatch(pattern);
  });

  test('Socket Mode needs no signing secret', () => {
    expect(loadEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).SLACK_APP_TOKEN).toBe('xapp-1');
  });

  test('loopback detection', () => {
    expect(['127.0.0.1', '127.5.5.5', 'localhost', '::1'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '10.0.0.1', '192.168.1.2', 'example.org'].some(isLoopback)).toBe(false);
  });
});

describe('settings file', () => {
  test('an empty file gives working defaults', () => {
    const s = parseSettings('', 'x');
    expect(s.school).toEqual({ timezone: 'Europe/London' });
    expect(s.reminders.termEndTime).toBe('15:00');
  });

  test('the shipped example is valid', async () => {
    const { readFileSync } = await import('node:fs');
    const s = parseSettings(readFileSync(new URL('../safecall.example.yaml', import.meta.url), 'utf8'), 'example');
    expect(s.terms.length).toBeGreaterThanOrEqual(6);
    expect(s.school.timezone).toBe('Europe/London');
    expect(s.school.itContact).toEqual({ name: 'the IT helpdesk', email: 'it@example.org', slack: 'C0123ABCD' });
    expect(s.reports).toEqual({ retentionDays: 2190, escalateAfterHours: 4, workingHours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '17:00' } });
    expect([s.slack.dpoDeputies, s.teams.dpoDeputies]).toEqual([[], []]);
  });

  test('escalation defaults: 4 working hours, Monday to Friday 08:00 to 17:00; deputies none', () => {
    const s = parseSettings('', 'x');
    expect(s.reports).toEqual({ retentionDays: 2190, escalateAfterHours: 4, workingHours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '17:00' } });
    expect(parseSettings('reports:\n  retentionDays: 400\n', 'x').reports.workingHours.start).toBe('08:00');
    expect([s.slack.dpoDeputies, s.teams.dpoDeputies]).toEqual([[], []]);
  });

  test.each([
    ['school:\n  timezone: Europe/Londres\n', /^school\.timezone: must be a time zone name/],
    ['terms:\n  - { name: Autumn, start: 2026-09-03, end: 2026-02-30 }\n', /^terms\.0\.end: must be a real date/],
    ['terms:\n  - { name: Autumn, start: 2026-12-18, end: 2026-09-03 }\n', /^terms\.0\.end: ends before it starts/],
    ['reminders:\n  termEndTime: "25:00"\n', /^reminders\.termEndTime: must be a time like 15:00/],
    ['reminders:\n  tick: every minute\n', /^reminders\.tick: must be a cron expression/],
    ['reminders:\n  tick: "61 * * * *"\n', /^reminders\.tick: must be a cron expression/],
    [
      'terms:\n  - { name: Autumn 2026, start: 2026-09-02, end: 2027-01-10 }\n  - { name: Spring 2027, start: 2027-01-04, end: 2027-03-26 }\n',
      /^terms\.1: Spring 2027 \(2027-01-04 to 2027-03-26\) overlaps term 1, Autumn 2026/,
    ],
    ['slack:\n  dpoChannel: general\n', /^slack\.dpoChannel: must be a Slack channel id/],
    ['reports:\n  workingHours: { start: "17:00", end: "08:00" }\n', /^reports\.workingHours\.end: end must be after start/],
    ['reports:\n  workingHours: { days: [monday] }\n', /^reports\.workingHours\.days\.0: must be mon, tue, wed, thu, fri, sat or sun/],
    ['reports:\n  escalateAfterHours: -1\n', /^reports\.escalateAfterHours: /],
    ['teams:\n  staffTeam: Staff room\n', /^teams\.staffTeam: must be a Teams team id like 19:abc123@thread\.tacv2, or the link/],
    ['school:\n  itContact:\n    slack: "#it-help"\n', /^school\.itContact\.slack: must be a Slack channel id \(C…\) or user id/],
    ['school:\n  itContact:\n    email: it at school\n', /^school\.itContact\.email: must be an email address/],
    ['school:\n  colour: blue\n', /^school: Unrecognized key: "colour"/],
    ['nonsense: true\n', /Unrecognized key: "nonsense"/],
  ])('%j is refused naming the key', (yaml, pattern) => {
    expect(problems(() => parseSettings(yaml, 'settings')).join('\n')).toMatch(pattern);
  });

  test('teams.staffTeam takes the team id, or the link Teams gives under "Get link to team"', () => {
    const id = '19:9f6a0c1e2b3d4f5a6b7c8d9e0f1a2b3c@thread.tacv2';
    expect(parseSettings(`teams:\n  staffTeam: "${id}"\n`, 'x').teams.staffTeam).toBe(id);
    const link = `https://teams.microsoft.com/l/team/${encodeURIComponent(id)}/conversations?groupId=7e1b2c3d-0000-4000-8000-000000000000&tenantId=0f1e2d3c-0000-4000-8000-000000000000`;
    expect(parseSettings(`teams:\n  staffTeam: "${link}"\n`, 'x').teams.staffTeam).toBe(id);
  });

  test('broken YAML names the line', () => {
    expect(problems(() => parseSettings('school:\n  name: "unclosed\n  x: [\n', 'settings'))[0]).toMatch(/not valid YAML at line \d+, column \d+/);
  });
});
