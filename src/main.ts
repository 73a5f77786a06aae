/**
 * `npm start`: the composition root. Reads and checks the settings, opens the store, builds the bot, and
 * serves both platforms on one port. Any settings, content or store problem is printed plainly and the
 * process exits 1 without a stack trace.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadEnv, loadSettings, rolesOf, teamsMode, type Env, type Settings } from './config.js';
import { ContentError } from './content/load.js';
import { systemClock, type Clock, type Log, type Store } from './core/ports.js';
import { createLogger } from './log.js';
import { isLoopbackUrl } from './http/loopback.js';
import { keepServingOnStrayErrors } from './http/stray-errors.js';
import { createHttpServer } from './server.js';
import { createSlack } from './slack/app.js';
import { startSweeper } from './store/sweep.js';
import { ReadOnlyStoreError, StoreCorruptError, StoreLockedError, StoreVersionError } from './store/lowdb-store.js';
import { StoreUnavailableError } from './store/errors.js';
import { openStore } from './store/open.js';
import type { TeamsAuth, TeamsOptions } from './teams/adapter.js';
import { teamsOffListener, teamsRequestListener } from './teams/http.js';
import { buildBot } from './app.js';
import { createScheduling } from './scheduling.js';
import { DateTime } from 'luxon';
import { termInfos } from './core/reminders/calendar.js';
import type { Scheduler } from './core/schedule/runner.js';
import { VERSION } from './version.js';
import { SealError, sealerFromKeys, type Sealer } from './core/sealer.js';
import { missingKeys, upgradeSealedData } from './core/sealed-data.js';

/** Start-up's refusal when the stored data needs keys this server does not have: which, and what to do. */
function keyProblem(sealer: Sealer, missing: string[]): ConfigError {
  const ids = missing.filter((id) => id.startsWith('k'));
  return new ConfigError(
    [
      sealer.enabled
        ? `SAFECALL_DATA_KEY: this is not the key the stored incident reports were encrypted with${ids.length ? ` (they need key ${ids.join(', ')}; this server has ${sealer.keyIds.join(', ')})` : ''}. ` +
          'Set SAFECALL_DATA_KEY to that key, or, after a key change, keep the old key in SAFECALL_DATA_KEYS_OLD (docs/reports-encryption.md).'
        : 'SAFECALL_DATA_KEY: not set, but the stored incident reports are encrypted. Set it to the key they were written with.',
    ],
    'The environment',
  );
}

/**
 * A data key that cannot open what is stored (another key, or none for sealed data) is refused at start,
 * with what to do, rather than found later as failed deliveries and unreadable alerts. Sealed values stored
 * in the legacy string form are moved to the tagged form first (once; only with a key that opens them).
 */
async function checkDataKey(store: Store, sealer: Sealer, log: Log, clock: Clock): Promise<void> {
  const missing = await missingKeys(store, sealer);
  if (missing.length) throw keyProblem(sealer, missing);
  const upgraded = await upgradeSealedData(store, sealer, clock.now());
  if (upgraded) log.info({ event: 'data.sealed-format', records: upgraded }, 'sealed values moved to the tagged form');
  const after = await missingKeys(store, sealer);
  if (after.length) throw keyProblem(sealer, after);
}

/** The data keys' sealer (config.ts has checked the keys), or plain storage without one. */
function dataSealer(env: Env): Sealer {
  try {
    return sealerFromKeys(env.SAFECALL_DATA_KEY, env.SAFECALL_DATA_KEYS_OLD);
  } catch (err) {
    if (err instanceof SealError) throw new ConfigError([err.message], 'The environment');
    throw err;
  }
}
import { reloadingSettings } from './settings-reload.js';
import { watchSettings } from './settings-fingerprint.js';
import { hostname } from 'node:os';
import { LEADER_LOCK } from './scheduling.js';
import { alertRouteHealth, incidentSettingsOf, warnAboutAlertRoute } from './alert-route.js';
import { liveRoles, liveSchool } from './core/deps.js';
import { slackDirectory } from './slack/directory.js';
import { lazyTeamsDirectory } from './teams/lazy-messenger.js';

const SLACK_VARIABLES =
  'Set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP mode), or SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode), to turn it on.';
export const SLACK_OFF = `Slack is off. ${SLACK_VARIABLES}`;

export interface Running {
  url: string;
  port: number;
  /** The scheduler (reminders, deadlines, the outbox): tests call tick()/flush() with their fixed clock. */
  scheduler: Scheduler;
  stop(): Promise<void>;
}

export interface StartOptions {
  env: Env;
  settings: Settings;
  clock?: Clock;
  log?: Log;
  /** Where the banner goes (stdout by default). */
  print?: (line: string) => void;
  slackRetry?: { minTimeout: number; maxTimeout: number };
  /**
   * Where Teams tokens are checked and the bot's own token comes from: tests give a local OpenID
   * configuration and token endpoint. Not a setting: without it, Microsoft's public cloud.
   */
  teamsAuth?: TeamsAuth;
}

export async function start(o: StartOptions): Promise<Running> {
  const { env, settings } = o;
  const log = o.log ?? createLogger(env.LOG_LEVEL);
  const clock = o.clock ?? systemClock;
  const print = o.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  // The store's expiry and leases use the same clock as the rest of the bot.
  const store = await openStore(env, { log, clock });
  const sweeper = startSweeper(store, log);
  let scheduling: ReturnType<typeof createScheduling> | undefined;
  let settingsWatch: ReturnType<typeof watchSettings> | undefined;
  try {
    const sealer = dataSealer(env);
    await checkDataKey(store, sealer, log, clock);
    // The settings file as it is now: terms imported, officers and DPO destinations changed while the server
    // runs are used from their next use (a press, a tick), without a restart.
    const current = reloadingSettings(env.SAFECALL_SETTINGS, settings, log);
    const roles = liveRoles(() => rolesOf(current()));
    const reminders = {
      settings: current,
      directory: env.SLACK_BOT_TOKEN ? slackDirectory({ token: env.SLACK_BOT_TOKEN, apiUrl: env.SLACK_API_URL, log }) : undefined,
      teams: teamsMode(env) !== 'off' ? lazyTeamsDirectory({ env, store, log, mayCall: localOnly(env), auth: o.teamsAuth }) : undefined,
    };
    const { bot, deps, policies } = buildBot({ store, clock, log, school: liveSchool(() => current().school), roles, sealer, reminders, incidents: { settings: () => incidentSettingsOf(current()) } });
    const alertRoute = () => alertRouteHealth(store, current(), deps.strings);
    if (!sealer.enabled) {
      const stored = (await store.reports.query({ index: 'reportedAt', limit: 1 })).length;
      log.warn({ reportsStored: stored > 0 }, 'SAFECALL_DATA_KEY is not set: incident reports are stored unencrypted (see README, "Incident reports")');
    }
    // A DPO alert or any other message a turn queues is sent at once (by the leader), not at the next tick.
    const owner = `${hostname()}:${process.pid}`;
    scheduling = createScheduling({ env, settings, store, clock, log, strings: deps.strings, policies, sealer: deps.sealer, mayCall: localOnly(env), outbox: deps.outbox, teamsAuth: o.teamsAuth, owner });
    // Several instances: each publishes a fingerprint of its settings and warns when they differ (the leader's rule).
    settingsWatch = watchSettings({ store, owner, settings: reminders.settings, path: env.SAFECALL_SETTINGS, clock, log, leaderLock: LEADER_LOCK });
    const slack = createSlack({ env, bot, clock, log, strings: deps.strings, teamId: settings.slack.teamId, receipts: store.receipts, storeAvailable: () => store.available?.() ?? true, bodyLimit: env.SAFECALL_BODY_LIMIT, retry: o.slackRetry, maxInFlight: env.SAFECALL_SLACK_MAX_IN_FLIGHT });
    const teams = teamsEndpoint({ env, bot, store, clock, log, timezone: settings.school.timezone, strings: deps.strings, mayCall: localOnly(env), sealer: deps.sealer, auth: o.teamsAuth });
    const server = createHttpServer({
      slack: slack?.listener,
      slackOffReason: slack ? 'Slack runs in Socket Mode; no HTTP endpoint is needed.' : SLACK_OFF,
      teams: teams.listener,
      log,
      keepAliveSeconds: env.SAFECALL_KEEPALIVE_SECONDS,
      health: async () => ({
        version: VERSION,
        platforms: {
          slack: !slack ? 'off' : !slack.ready() ? `${slack.mode} (connecting)` : slack.reconnecting() ? `${slack.mode} (reconnecting)` : slack.mode,
          teams: teams.mode,
        },
        store: { kind: store.info.kind, ...(await store.health()) },
        // Several instances: which one sends the reminders and alerts now (the others only answer requests).
        scheduler: { leading: scheduling?.leadership.leading ?? false },
        settings: settingsWatch?.status(),
        // Whether incident alerts can reach the DPO: a problem here is the school's to fix (it stays 200).
        incidentAlerts: await alertRoute().catch(() => ({ ok: false, problems: [], unknown: 'the store could not be read' })),
      }),
    });
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(env.PORT, env.HOST, () => ok());
    });
    const port = (server.address() as AddressInfo).port;
    const host = env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST;
    const url = `http://${host}:${port}`;
    await slack?.start();
    void scheduling.start();
    settingsWatch.start();

    print(`SafeCall ${VERSION}${settings.school.name ? ` for ${settings.school.name}` : ''} is listening on ${url}`);
    print(
      slack
        ? slack.mode === 'http'
          ? `  POST ${url}/slack/events  Slack (HTTP mode: events, commands, interactivity)`
          : '  Slack: Socket Mode (connects out to Slack; no public URL needed)'
        : `  Slack: off. ${SLACK_VARIABLES}`,
    );
    print(teams.mode === 'off' ? '  Microsoft Teams: off (TEAMS_MODE=off); /api/messages answers 404' : `  POST ${url}/api/messages  Microsoft Teams, ${teams.banner}`);
    print(`  GET  ${url}/healthz       health check`);
    print(`  Data: ${store.info.where} (${store.info.kind === 'postgres' ? 'PostgreSQL, shared by every instance on it' : 'embedded lowdb store'})  Time zone: ${settings.school.timezone}`);
    const now = clock.now();
    const next = termInfos(settings.terms, settings.reminders.termEndTime, settings.school.timezone).find((t) => t.remindAt > now);
    const when = next ? DateTime.fromJSDate(next.remindAt, { zone: settings.school.timezone }).toFormat("ccc d LLL yyyy 'at' HH:mm") : undefined;
    print(`  Reminders: checked ${settings.reminders.tick === '* * * * *' ? 'every minute' : `on the schedule "${settings.reminders.tick}"`}; ${next ? `next term-end reminder: ${next.name}, ${when}` : 'no term ahead in the settings (add terms: npx safecall terms import FILE.ics)'}`);
    print(`  Incident reports: ${deps.sealer.enabled ? 'encrypted at rest (SAFECALL_DATA_KEY)' : 'NOT encrypted at rest: set SAFECALL_DATA_KEY (README, "Incident reports")'}`);
    await warnAboutAlertRoute(await alertRoute(), log, print);

    return {
      url,
      port,
      scheduler: scheduling.scheduler,
      async stop() {
        // Sends in progress finish (and are recorded) before the store closes.
        await settingsWatch?.stop();
        await scheduling?.stop();
        await slack?.stop();
        await new Promise<void>((ok) => {
          server.close(() => ok());
          server.closeAllConnections();
        });
        await sweeper.stop();
        await store.close();
      },
    };
  } catch (err) {
    await settingsWatch?.stop();
    await scheduling?.stop();
    await sweeper.stop();
    await store.close();
    throw err;
  }
}

type Listener = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * The Teams endpoint for the configured mode (TEAMS_MODE, see config.ts), and how the banner names it.
 * botbuilder and its Azure clients are the largest module tree SafeCall would hold (about a third of its
 * idle memory): they are imported at the first Teams request, not at start, so a server that serves only
 * Slack, or has not been asked anything on Teams yet, does not carry them. Settings were checked at start.
 */
function teamsEndpoint(o: TeamsOptions) {
  const { env, log } = o;
  const mode = teamsMode(env);
  if (mode === 'off') return { mode, banner: 'off', listener: teamsOffListener(log) };
  let loading: Promise<Listener> | undefined;
  const load = async (): Promise<Listener> => {
    const { createAdapter, turnLogic } = await import('./teams/adapter.js');
    const adapter = createAdapter(env, log, undefined, o.strings.t('help.storeDown'), o.auth);
    return teamsRequestListener({ adapter, logic: turnLogic(o, adapter), log, bodyLimit: env.SAFECALL_BODY_LIMIT, tenantId: env.MicrosoftAppTenantId, mode });
  };
  const listener: Listener = async (req, res) => {
    const serve = await (loading ??= load().catch((err: unknown) => {
      loading = undefined; // the next request tries again; this one is answered 500 by the server
      throw err;
    }));
    await serve(req, res);
  };
  const banner =
    mode === 'authenticated'
      ? `authenticated (app ${env.MicrosoftAppId})`
      : 'local, no auth, loopback callers and serviceUrls only (Bot Framework Emulator / Agents Playground)';
  return { mode, banner, listener };
}

const localOnly = (env: Env) => (teamsMode(env) === 'local' ? isLoopbackUrl : undefined);

/** Errors a person can act on: print the message only. */
function explain(err: unknown): string | undefined {
  if (err instanceof ConfigError || err instanceof ContentError) return err.message;
  const storeErrors = [StoreLockedError, StoreCorruptError, StoreVersionError, ReadOnlyStoreError, StoreUnavailableError];
  if (storeErrors.some((E) => err instanceof E)) return (err as Error).message;
  if ((err as NodeJS.ErrnoException)?.code === 'EADDRINUSE') return `The port is already in use: ${(err as Error).message}. Set PORT to a free port.`;
  if ((err as NodeJS.ErrnoException)?.code === 'EADDRNOTAVAIL') return `HOST is not an address of this machine: ${(err as Error).message}.`;
  return undefined;
}

async function run(): Promise<void> {
  // Data files are created 0600 and folders 0700 even if a library forgets the mode.
  process.umask(0o077);
  let running: Running;
  try {
    const env = loadEnv();
    const settings = loadSettings(env.SAFECALL_SETTINGS);
    const log = createLogger(env.LOG_LEVEL);
    keepServingOnStrayErrors(log);
    running = await start({ env, settings, log });
  } catch (err) {
    const message = explain(err);
    process.stderr.write(`SafeCall could not start.\n${message ?? (err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`SafeCall stopping (${signal})\n`);
    running
      .stop()
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('src/main.ts')) {
  void run();
}
