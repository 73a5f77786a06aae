/**
 * Starts the real SafeCall server (real Bolt, real botbuilder, real lowdb files) on loopback, with the far
 * sides faked: Slack's Web API and the Bot Connector. Logs are captured so tests can read (and scan) them.
 */
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadEnv, loadSettings, parseSettings, type Settings } from '../../src/config.js';
import { start, type Running } from '../../src/main.js';
import { createLogger } from '../../src/log.js';
import type { Clock } from '../../src/core/ports.js';
import type { TeamsAuth } from '../../src/teams/adapter.js';
import { FakeSlack } from './fake-slack.js';
import { FakeConnector } from './fake-connector.js';
import { FakeSocketMode } from './fake-socket-mode.js';
import { SIGNING_SECRET } from './slack-requests.js';
import { dropStoreFor, onPostgres, openStoreView, storeEnv } from './store-env.js';
import type { Store } from '../../src/core/ports.js';
import { COLLECTION_NAMES } from '../../src/core/collections.js';
import { readdir, readFile } from 'node:fs/promises';
import { runLog } from '../helpers/run-logs.js';

export interface RigOptions {
  slack?: boolean;
  /** Extra environment (e.g. MicrosoftAppId to turn on token checks). */
  env?: Record<string, string>;
  settingsYaml?: string;
  clock?: Clock;
  dataDir?: string;
  /** Where Teams tokens are checked (a local OpenID configuration: test/rig/fake-openid.ts). */
  teamsAuth?: TeamsAuth;
  /**
   * Slack in Socket Mode: an app-level token and no signing secret, with a FakeSocketMode (rig.socket) behind
   * the fake's apps.connections.open.
   */
  socketMode?: boolean;
  /**
   * The settings as a file the server watches (SAFECALL_SETTINGS), so `rig.editSettings` changes them while
   * it runs, as a school's admin would; without it the settings are given at start only.
   */
  settingsFile?: boolean;
}

/** The app-level token the rig gives SafeCall in Socket Mode. */
export const APP_TOKEN = 'xapp-1-A0SAFECALL-1-test';

export class Rig {
  readonly logs: string[] = [];
  readonly banner: string[] = [];
  running?: Running;
  url = '';
  /** Socket Mode only (RigOptions.socketMode). */
  socket?: FakeSocketMode;

  constructor(
    readonly slack: FakeSlack,
    readonly connector: FakeConnector,
    readonly dataDir: string,
    private readonly opts: RigOptions,
  ) {}

  /** What the server starts with: the settings file when SAFECALL_SETTINGS names one (as `npm start` reads it), so a restart sees the file as edited. */
  get settings(): Settings {
    const file = this.opts.env?.SAFECALL_SETTINGS;
    return file ? loadSettings(file) : parseSettings(this.opts.settingsYaml ?? '', 'test settings');
  }

  /** Where the settings file is (RigOptions.settingsFile). */
  get settingsPath(): string {
    return join(this.dataDir, '..', `${this.dataDir.split('/').pop()}.settings.yaml`);
  }

  /**
   * Rewrites the settings file the running server watches (RigOptions.settingsFile), with a modification
   * time of its own so the server sees the change however soon after the last one it comes.
   */
  async editSettings(yaml: string): Promise<void> {
    if (!this.opts.settingsFile) throw new Error('editSettings needs RigOptions.settingsFile');
    this.opts.settingsYaml = yaml;
    await writeFile(this.settingsPath, yaml);
    this.settingsEdits += 1;
    const t = new Date(Date.now() + this.settingsEdits * 1000);
    await utimes(this.settingsPath, t, t);
  }
  private settingsEdits = 0;

  async boot(): Promise<this> {
    if (this.opts.settingsFile && !existsSync(this.settingsPath)) await writeFile(this.settingsPath, this.opts.settingsYaml ?? '');
    const env = loadEnv({
      ...(this.opts.settingsFile ? { SAFECALL_SETTINGS: this.settingsPath } : {}),
      PORT: '0',
      HOST: '127.0.0.1',
      ...storeEnv(this.dataDir),
      LOG_LEVEL: 'info',
      ...(this.opts.slack === false
        ? {}
        : { SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_API_URL: this.slack.apiUrl, ...(this.opts.socketMode ? { SLACK_APP_TOKEN: APP_TOKEN } : { SLACK_SIGNING_SECRET: SIGNING_SECRET }) }),
      ...this.opts.env,
    });
    const keep = runLog('rig');
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        const text = chunk.toString('utf8');
        this.logs.push(...text.split('\n').filter(Boolean));
        keep(text);
        done();
      },
    });
    this.running = await start({
      env,
      settings: this.opts.settingsFile ? parseSettings(await readFile(this.settingsPath, 'utf8'), 'test settings') : this.settings,
      clock: this.opts.clock,
      log: createLogger('info', sink),
      print: (l) => this.banner.push(l),
      slackRetry: { minTimeout: 50, maxTimeout: 200 },
      teamsAuth: this.opts.teamsAuth,
    });
    this.url = this.running.url;
    if (this.opts.slack !== false) await this.waitForSlack();
    return this;
  }

  async waitForSlack(timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    const mode = this.opts.socketMode || this.opts.env?.SLACK_APP_TOKEN ? 'socket' : 'http';
    while (Date.now() < until) {
      const health = (await (await fetch(`${this.url}/healthz`)).json()) as { platforms: { slack: string } };
      if (health.platforms.slack === mode) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('Slack did not connect to the fake API');
  }

  /**
   * Waits for the server's own catch-up tick at start (taken with the scheduler's lead) to finish, so a test
   * that flushes the outbox itself and counts what that flush did is not racing it.
   */
  async schedulerSettled(timeoutMs = 5000): Promise<void> {
    await eventually(async () => {
      const health = (await (await fetch(`${this.url}/healthz`)).json()) as { scheduler?: { leading?: boolean } };
      if (!health.scheduler?.leading) throw new Error('the scheduler has not taken the lead yet');
    }, timeoutMs);
    await this.running!.scheduler.idle();
  }

  /** Stops the server (as a deploy or crash would) and starts it again on the same data. */
  async restart(): Promise<this> {
    await this.running?.stop();
    return this.boot();
  }

  /** A second, read-only view of what the server stored (lowdb: the files; PostgreSQL: the same schema). */
  view(): Promise<Store> {
    return openStoreView(this.dataDir);
  }

  /** Everything stored, as text: lowdb's files as they are on disk, or every PostgreSQL record. */
  async storedText(): Promise<string> {
    if (!onPostgres) {
      const files = await readdir(this.dataDir, { recursive: true, withFileTypes: true });
      const texts = await Promise.all(files.filter((f) => f.isFile() && /\.(json|log)$/.test(f.name)).map((f) => readFile(join(f.parentPath, f.name), 'utf8')));
      return texts.join('\n');
    }
    const view = await this.view();
    try {
      const all = await Promise.all(COLLECTION_NAMES.map(async (name) => JSON.stringify(await view[name].list())));
      return all.join('\n');
    } finally {
      await view.close();
    }
  }

  /** Log lines parsed as JSON. */
  logLines(): Record<string, unknown>[] {
    return this.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  async stop(): Promise<void> {
    await this.running?.stop();
    await Promise.all([this.slack.stop(), this.connector.stop(), this.socket?.stop()]);
    if (!this.opts.dataDir) {
      await rm(this.dataDir, { recursive: true, force: true });
      await rm(this.settingsPath, { force: true });
      await dropStoreFor(this.dataDir);
    }
  }
}

export async function startRig(opts: RigOptions = {}): Promise<Rig> {
  const slack = await new FakeSlack().start();
  const connector = await new FakeConnector().start();
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'safecall-rig-')));
  const rig = new Rig(slack, connector, dataDir, opts);
  if (opts.socketMode) {
    rig.socket = await new FakeSocketMode().start();
    const socket = rig.socket;
    slack.socketModeUrl = () => socket.url();
  }
  return rig.boot();
}

/** Waits until `check` stops throwing (for effects that happen after the HTTP ack). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
