/**
 * Settings: the environment (credentials, ports, paths) and the school's settings file (SAFECALL_SETTINGS, YAML).
 * Both are validated with zod at start. A problem names the variable or key and what is wrong, and the
 * process exits non-zero without a stack trace (see main.ts).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { IANAZone, DateTime } from 'luxon';
import { parse, YAMLParseError } from 'yaml';
import cron from 'node-cron';
import { z } from 'zod';
import { readDataKey } from './core/sealer.js';
import { termSlug } from './core/reminders/calendar.js';
import { DEFAULT_ESCALATE_AFTER_HOURS, DEFAULT_WORKING_HOURS, WEEKDAYS } from './core/records/report-escalation.js';
import type { Roles } from './core/deps.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[], readonly source: string) {
    super(`${source} has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const optionalText = z.string().trim().optional().transform((v) => (v ? v : undefined));

export const envSchema = z.object({
  PORT: z.coerce.number().int('must be a whole number').min(0).max(65535).default(3978),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  /**
   * PostgreSQL instead of the embedded store (several instances on one database): postgres://user@host:5432/db.
   * Unset: the embedded lowdb store in DATA_DIR.
   */
  DATABASE_URL: optionalText.refine((v) => !v || isPostgresUrl(v), 'must be a PostgreSQL URL like postgres://safecall@db.example.org:5432/safecall'),
  /** The PostgreSQL schema SafeCall's tables live in (one per school when several schools share a server). */
  DATABASE_SCHEMA: z.string().trim().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL name: letters, digits and _, starting with a letter or _').default('public'),
  /** Connections each instance keeps open to PostgreSQL. */
  DATABASE_POOL_SIZE: z.coerce.number().int('must be a whole number').min(1).max(200).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SAFECALL_SETTINGS: optionalText,
  /** Largest request body accepted, in bytes. */
  SAFECALL_BODY_LIMIT: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(256 * 1024),
  /** Slack HTTP mode: requests in flight before new ones are answered 503 (Slack retries) instead of acknowledged. */
  SAFECALL_SLACK_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).default(32),
  /**
   * How long an idle kept-alive connection stays open, in seconds: longer than any proxy in front keeps its
   * idle connections to SafeCall (nginx's upstream keepalive_timeout, 50 s in deploy/nginx.conf; cloud load
   * balancers 60 s), so SafeCall never closes one just as the proxy sends a request on it (a 502).
   */
  SAFECALL_KEEPALIVE_SECONDS: z.coerce.number().int('must be a whole number').min(1).max(3600).default(65),
  SLACK_BOT_TOKEN: optionalText.refine((v) => !v || v.startsWith('xoxb-'), 'must be a bot token starting with xoxb-'),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText.refine((v) => !v || v.startsWith('xapp-'), 'must be an app-level token starting with xapp-'),
  SLACK_API_URL: optionalText.refine((v) => !v || /^https?:\/\/.+\/$/.test(v), 'must be a URL ending in / (e.g. https://slack.com/api/)'),
  MicrosoftAppId: optionalText,
  MicrosoftAppPassword: optionalText,
  MicrosoftAppType: z.enum(['SingleTenant', 'MultiTenant', 'UserAssignedMSI']).optional(),
  MicrosoftAppTenantId: optionalText,
  /** off | local | authenticated; default: authenticated with a MicrosoftAppId, local without (see teamsMode). */
  TEAMS_MODE: z.enum(['off', 'local', 'authenticated'], 'must be off, local or authenticated').optional(),
  /** Encrypts report content at rest: 32 random bytes in base64 (README, "Incident reports"). */
  SAFECALL_DATA_KEY: optionalText.refine(
    (v) => !v || readDataKey(v) !== undefined,
    'must be 32 random bytes in base64 (44 characters ending in =); make one with `openssl rand -base64 32`',
  ),
  /** Earlier data keys that still read (comma-separated), while `safecall keys rotate` re-seals with SAFECALL_DATA_KEY. */
  SAFECALL_DATA_KEYS_OLD: optionalText.superRefine((v, ctx) => {
    const keys = (v ?? '').split(',').map((k) => k.trim()).filter(Boolean);
    keys.forEach((k, i) => {
      if (readDataKey(k) === undefined) ctx.addIssue({ code: 'custom', message: `key ${i + 1} of ${keys.length} is not 32 random bytes in base64 (each is 44 characters ending in =, separated by commas)` });
    });
  }),
});
export type Env = z.infer<typeof envSchema>;

function isPostgresUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && (u.hostname !== '' || u.searchParams.has('host'));
  } catch {
    return false;
  }
}

const timezone = z.string().refine((tz) => IANAZone.isValidZone(tz), 'must be a time zone name like Europe/London');
const date = z.string().refine((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && DateTime.fromISO(d).isValid, 'must be a real date like 2026-12-18');
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time like 15:00');
const ids = z.array(z.string().trim().min(1)).default([]);

/** A team id as given, or taken out of a "Get link to team" link (https://teams.microsoft.com/l/team/19%3a…%40thread.tacv2/…). */
function teamIdOf(v: string): string {
  const link = /^https:\/\/teams\.microsoft\.com\/l\/team\/([^/?#]+)/i.exec(v);
  if (!link) return v;
  try {
    return decodeURIComponent(link[1]!);
  } catch {
    return v;
  }
}

/**
 * The terms used when the settings file names none: typical dates for English state schools in 2026-27 and
 * 2027-28. Academies and many local authorities set their own: put yours in the settings file, or import
 * the school's calendar with `npx safecall terms import FILE.ics`.
 */
export const DEFAULT_TERMS = [
  { name: 'Autumn 2026', start: '2026-09-02', end: '2026-12-18' },
  { name: 'Spring 2027', start: '2027-01-04', end: '2027-03-26' },
  { name: 'Summer 2027', start: '2027-04-12', end: '2027-07-21' },
  { name: 'Autumn 2027', start: '2027-09-01', end: '2027-12-17' },
  { name: 'Spring 2028', start: '2028-01-04', end: '2028-04-07' },
  { name: 'Summer 2028', start: '2028-04-24', end: '2028-07-21' },
];

export const settingsSchema = z.strictObject({
  school: z
    .strictObject({
      /** Unset: messages say "your school" rather than naming one. */
      name: z.string().trim().min(1).optional(),
      timezone: timezone.default('Europe/London'),
      /** Who the teacher passes the admin-only settings to: shown with the list, and where "Send to IT" posts it. */
      itContact: z
        .strictObject({
          name: z.string().trim().min(1).max(80).optional(),
          email: z.string().trim().email('must be an email address like it@example.org').optional(),
          slack: z.string().regex(/^[CGU][A-Z0-9]+$/, 'must be a Slack channel id (C…) or user id (U…)').optional(),
          teams: z.string().trim().min(1).optional(),
        })
        .optional(),
    })
    .default({ timezone: 'Europe/London' }),
  slack: z
    .strictObject({
      /** Only this workspace is served; others are refused. */
      teamId: z.string().regex(/^[TE][A-Z0-9]+$/, 'must be a Slack team id like T0123ABCD').optional(),
      admins: ids,
      dpo: ids,
      /** The DPO's deputies: officers, and alerted when an incident alert is not answered in time. */
      dpoDeputies: ids,
      dpoChannel: z.string().regex(/^[CG][A-Z0-9]+$/, 'must be a Slack channel id like C0123ABCD').optional(),
      staffChannel: z.string().regex(/^[CG][A-Z0-9]+$/, 'must be a Slack channel id like C0123ABCD').optional(),
    })
    .default({ admins: [], dpo: [], dpoDeputies: [] }),
  teams: z
    .strictObject({
      admins: ids,
      dpo: ids,
      dpoDeputies: ids,
      /**
       * The team whose members get the term-end reminders on Teams (SafeCall must be added to it): its id
       * (19:…@thread.tacv2), or the link Teams gives under the team's "Get link to team".
       */
      staffTeam: z
        .string()
        .trim()
        .transform(teamIdOf)
        .refine((v) => /^19:[^\s/]+@thread\.(tacv2|skype)$/.test(v), 'must be a Teams team id like 19:abc123@thread.tacv2, or the link from the team\'s "Get link to team"')
        .optional(),
    })
    .default({ admins: [], dpo: [], dpoDeputies: [] }),
  terms: z
    .array(z.strictObject({ name: z.string().trim().min(1), start: date, end: date }))
    .default(DEFAULT_TERMS)
    .superRefine((terms, ctx) => {
      terms.forEach((t, i) => {
        if (t.end < t.start) ctx.addIssue({ code: 'custom', path: [i, 'end'], message: `ends before it starts (${t.start})` });
        // A round is known by its term's dates, but people name a term (`reminders report --term`): names differ.
        const twin = terms.findIndex((o) => termSlug(o.name) === termSlug(t.name));
        if (twin < i) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `is the same name as term ${twin + 1} (${terms[twin]!.name}): give each term its own name, e.g. with the year` });
        // Overlapping terms are a typo in a date (a term ending in the next one), and would be one round's term twice.
        const over = terms.findIndex((o, j) => j < i && o.start <= t.end && t.start <= o.end);
        if (over >= 0 && t.end >= t.start)
          ctx.addIssue({ code: 'custom', path: [i], message: `${t.name} (${t.start} to ${t.end}) overlaps term ${over + 1}, ${terms[over]!.name} (${terms[over]!.start} to ${terms[over]!.end}): check the dates` });
      });
    }),
  reminders: z
    .strictObject({
      termEndTime: clockTime.default('15:00'),
      followUpDays: z.number().int().min(1).max(30).default(3),
      maxFollowUps: z.number().int().min(0).max(10).default(2),
      tick: z
        .string()
        .trim()
        .refine((v) => cron.validate(v), 'must be a cron expression like "* * * * *" (every minute) or "*/5 * * * *" (every 5 minutes)')
        .default('* * * * *'),
      catchUpDays: z.number().int().min(0).max(60).default(7),
    })
    .default({ termEndTime: '15:00', followUpDays: 3, maxFollowUps: 2, tick: '* * * * *', catchUpDays: 7 }),
  dpiaSignedOff: date.optional(),
  /**
   * Incident reports. `retentionDays`: how long a closed report is kept before it is deleted (default
   * 2190 days, six years; use the period in the school's retention schedule: README, "Incident reports").
   */
  reports: z
    .strictObject({
      retentionDays: z.number().int().min(30).max(36500).default(2190),
      /** Working hours an alert may go unanswered before the deputies are alerted (the admins after twice this); 0: never. */
      escalateAfterHours: z.number().min(0).max(72).default(DEFAULT_ESCALATE_AFTER_HOURS),
      /** The school's working hours for escalation, in school.timezone (src/core/records/report-escalation.ts). */
      workingHours: z
        .strictObject({
          days: z.array(z.enum(WEEKDAYS, 'must be mon, tue, wed, thu, fri, sat or sun')).default([...DEFAULT_WORKING_HOURS.days]),
          start: clockTime.default(DEFAULT_WORKING_HOURS.start),
          end: clockTime.default(DEFAULT_WORKING_HOURS.end),
        })
        .refine((w) => w.end > w.start, { message: 'end must be after start, e.g. start "08:00", end "17:00"', path: ['end'] })
        .default({ ...DEFAULT_WORKING_HOURS, days: [...DEFAULT_WORKING_HOURS.days] }),
    })
    .default({ retentionDays: 2190, escalateAfterHours: DEFAULT_ESCALATE_AFTER_HOURS, workingHours: { ...DEFAULT_WORKING_HOURS, days: [...DEFAULT_WORKING_HOURS.days] } }),
  /**
   * Pacing and retries of proactive messages (reminders, alerts): src/core/schedule/. Defaults are the
   * platforms' documented limits; lower them to leave room for other apps on the same workspace or tenant.
   */
  sending: z
    .strictObject({
      slack: z
        .strictObject({
          /** Slack: chat.postMessage "generally allows one message per second per channel". */
          perChannelPerSecond: z.number().positive().max(100).default(1),
          /** Slack keeps a workspace-wide limit on top, documented only as "several hundred messages per minute". */
          perWorkspacePerMinute: z.number().int().positive().max(100_000).default(300),
        })
        .default({ perChannelPerSecond: 1, perWorkspacePerMinute: 300 }),
      teams: z
        .strictObject({
          /** Teams: 7 messages per second per conversation (per bot per thread). */
          perConversationPerSecond: z.number().positive().max(100).default(7),
          /** Teams: per app per tenant; documented as 50/s now and 30/s in older pages: the lower by default. */
          perTenantPerSecond: z.number().positive().max(10_000).default(30),
        })
        .default({ perConversationPerSecond: 7, perTenantPerSecond: 30 }),
      /** Tries of a message that keeps failing (not 429s) before it is given up as failed. */
      maxAttempts: z.number().int().min(1).max(20).default(5),
      /** First retry after a failure; it doubles each time, at most maxBackoffMinutes. */
      backoffSeconds: z.number().positive().max(3600).default(30),
      maxBackoffMinutes: z.number().positive().max(24 * 60).default(30),
      /** How long a worker holds a claimed message; one left "sending" longer than this is checked again. */
      leaseSeconds: z.number().positive().max(3600).default(120),
      /**
       * Several instances: how long the scheduler's leader holds the cluster's lead without renewing it (every
       * third of it). A dead leader is replaced within this plus a third.
       */
      leaderSeconds: z.number().min(1).max(600).default(30),
    })
    .default({
      slack: { perChannelPerSecond: 1, perWorkspacePerMinute: 300 },
      teams: { perConversationPerSecond: 7, perTenantPerSecond: 30 },
      maxAttempts: 5,
      backoffSeconds: 30,
      maxBackoffMinutes: 30,
      leaseSeconds: 120,
      leaderSeconds: 30,
    }),
});
export type Settings = z.infer<typeof settingsSchema>;

/** Who the settings name as officers (core's Roles). */
export const rolesOf = (s: Settings): Roles => ({
  admins: { slack: s.slack.admins, teams: s.teams.admins },
  dpo: { slack: s.slack.dpo, teams: s.teams.dpo },
  deputies: { slack: s.slack.dpoDeputies, teams: s.teams.dpoDeputies },
});

function problemsOf(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((i) => {
    const key = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
    return `${key || '(top level)'}: ${i.message}`;
  });
}

export function loadEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const r = envSchema.safeParse(env);
  if (!r.success) throw new ConfigError(problemsOf(r.error), 'The environment');
  const e = r.data;
  const problems: string[] = [];
  if (e.SLACK_BOT_TOKEN && !e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET)
    problems.push('SLACK_SIGNING_SECRET: is required with SLACK_BOT_TOKEN in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
  if ((e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN) && !e.SLACK_BOT_TOKEN)
    problems.push('SLACK_BOT_TOKEN: is required to turn Slack on (SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set without it)');
  if (e.MicrosoftAppPassword && !e.MicrosoftAppId) problems.push('MicrosoftAppId: is required when MicrosoftAppPassword is set');
  if (e.MicrosoftAppType === 'SingleTenant' && !e.MicrosoftAppTenantId)
    problems.push('MicrosoftAppTenantId: is required when MicrosoftAppType is SingleTenant');
  const mode = teamsMode(e);
  if (mode === 'local' && !isLoopback(e.HOST))
    problems.push(
      `HOST: ${e.HOST} is not a loopback address, and in local mode (no MicrosoftAppId) the Teams endpoint trusts any caller. ` +
        'Set MicrosoftAppId and MicrosoftAppPassword, set TEAMS_MODE=off for a Slack-only SafeCall, or keep HOST=127.0.0.1',
    );
  if (e.TEAMS_MODE === 'local' && e.MicrosoftAppId)
    problems.push('TEAMS_MODE: local runs without authentication, so it cannot be used with MicrosoftAppId; unset one of them');
  if (mode === 'authenticated' && !e.MicrosoftAppId) problems.push('MicrosoftAppId: is required when TEAMS_MODE is authenticated');
  if (mode === 'authenticated' && e.MicrosoftAppId && !e.MicrosoftAppPassword && e.MicrosoftAppType !== 'UserAssignedMSI')
    problems.push('MicrosoftAppPassword: is required with MicrosoftAppId (the Azure Bot\'s client secret), unless MicrosoftAppType is UserAssignedMSI');
  if (e.SAFECALL_DATA_KEYS_OLD && !e.SAFECALL_DATA_KEY)
    problems.push('SAFECALL_DATA_KEYS_OLD: old keys only read; set SAFECALL_DATA_KEY to the key that encrypts from now on (docs/reports-encryption.md)');
  if (problems.length) throw new ConfigError(problems, 'The environment');
  return e;
}

export type TeamsMode = 'off' | 'local' | 'authenticated';

/**
 * The Teams endpoint's mode. The default keeps `npm start` with no credentials working for the Emulator and
 * the Agents Playground (local: loopback callers and loopback serviceUrls only) and turns token checks on
 * as soon as an app id is set.
 */
export function teamsMode(env: Pick<Env, 'TEAMS_MODE' | 'MicrosoftAppId'>): TeamsMode {
  return env.TEAMS_MODE ?? (env.MicrosoftAppId ? 'authenticated' : 'local');
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

export function parseSettings(text: string, source: string): Settings {
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}` : '';
    throw new ConfigError([`not valid YAML${where}: ${(err as Error).message.split('\n')[0]}`], source);
  }
  const r = settingsSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(problemsOf(r.error), source);
  return r.data;
}

export function loadSettings(path: string | undefined): Settings {
  if (!path) return settingsSchema.parse({});
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`], `SAFECALL_SETTINGS file ${path}`);
  }
  return parseSettings(text, `The settings file ${path}`);
}
