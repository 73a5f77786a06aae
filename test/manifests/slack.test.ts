import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { MESSAGE_SHORTCUTS, SHORTCUTS } from '../../src/slack/ids.js';

// ajv-formats is CommonJS with `exports.default`; depending on the loader the plugin is the import or its `.default`.
const addFormats: FormatsPlugin =
  (addFormatsModule as unknown as { default?: FormatsPlugin }).default ?? (addFormatsModule as unknown as FormatsPlugin);

const root = fileURLToPath(new URL('../../', import.meta.url));
const slackDir = join(root, 'manifests', 'slack');
const schemaDir = join(root, '..', 'shared', 'schemas');

const SLASH_COMMAND = {
  command: '/safecall',
  description: 'Secure your class call, step by step',
  usage_hint: '[help | setup | ask <question> | report]',
};
const SHORTCUT_CALLBACK_ID = 'setup.shortcut';
const BOT_SCOPES = ['app_mentions:read', 'chat:write', 'commands', 'files:write', 'groups:read', 'im:history', 'im:write'];
const HANDLED_EVENTS = ['app_home_opened', 'app_mention', 'message.im'];

interface SlackManifest {
  _metadata: { major_version: number; minor_version?: number };
  display_information: { name: string; description: string; background_color: string };
  features: {
    app_home: { home_tab_enabled: boolean; messages_tab_enabled: boolean; messages_tab_read_only_enabled?: boolean };
    bot_user: { display_name: string };
    slash_commands: { command: string; url?: string; description: string; usage_hint?: string }[];
    shortcuts: { name: string; type: string; callback_id: string; description: string }[];
  };
  oauth_config: { scopes: { bot: string[]; user?: string[]; bot_optional?: string[]; user_optional?: string[] } };
  settings: {
    event_subscriptions: { request_url?: string; bot_events: string[]; user_events?: string[] };
    interactivity: { is_enabled: boolean; request_url?: string };
    socket_mode_enabled: boolean;
  };
}

const variants = {
  http: 'manifest.json',
  'socket mode': 'manifest.socket-mode.json',
} as const;

function load(file: string): SlackManifest {
  return JSON.parse(readFileSync(join(slackDir, file), 'utf8')) as SlackManifest;
}

function requestUrls(m: SlackManifest): (string | undefined)[] {
  return [
    ...m.features.slash_commands.map((c) => c.url),
    m.settings.event_subscriptions.request_url,
    m.settings.interactivity.request_url,
  ];
}

describe('Slack manifest JSON schema (../shared/schemas)', () => {
  test.each(Object.entries(variants))('%s manifest validates against the schema for its major version', (_, file) => {
    if (!existsSync(schemaDir)) {
      console.log('slack manifest schema check not run: ../shared/schemas absent');
      return;
    }
    const manifest = load(file);
    const major = manifest._metadata.major_version;
    const schemaFile = readdirSync(schemaDir).find((f) => f.startsWith(`slack-manifest.schema.${major}.`) && f.endsWith('.json'));
    if (!schemaFile) throw new Error(`no slack-manifest.schema.${major}.*.json in ${schemaDir}`);

    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(join(schemaDir, schemaFile), 'utf8')) as object);

    expect(validate(manifest) ? [] : validate.errors).toEqual([]);
    // The schema has teeth: an unknown key and an over-long name are rejected.
    const broken = { ...manifest, display_information: { ...manifest.display_information, name: 'x'.repeat(36), colour: 'blue' } };
    expect(validate(broken)).toBe(false);
  });
});

describe.each(Object.entries(variants))('Slack %s manifest', (variant, file) => {
  const manifest = load(file);
  const socketMode = variant === 'socket mode';

  test('is SafeCall with a description and a background colour', () => {
    expect(manifest.display_information.name).toBe('SafeCall');
    expect(manifest.features.bot_user.display_name).toBe('SafeCall');
    expect(manifest.display_information.description.length).toBeGreaterThan(0);
    expect(manifest.display_information.description.length).toBeLessThanOrEqual(140);
    expect(manifest.display_information.background_color).toMatch(/^#[0-9a-f]{6}$/i);
  });

  test('asks for exactly the least-privilege bot scopes and no user scopes', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(BOT_SCOPES);
    expect(manifest.oauth_config.scopes.user ?? []).toEqual([]);
    expect(manifest.oauth_config.scopes.bot_optional ?? []).toEqual([]);
    expect(manifest.oauth_config.scopes.user_optional ?? []).toEqual([]);
  });

  test('subscribes only to events the bot handles, and to all of them', () => {
    const events = manifest.settings.event_subscriptions.bot_events;
    for (const event of events) expect(HANDLED_EVENTS).toContain(event);
    expect([...events].sort()).toEqual(HANDLED_EVENTS);
    expect(manifest.settings.event_subscriptions.user_events ?? []).toEqual([]);
  });

  test('has the /safecall command, the two global shortcuts and the "Report this message" message shortcut', () => {
    expect(manifest.features.slash_commands).toHaveLength(1);
    expect(manifest.features.slash_commands[0]).toMatchObject(SLASH_COMMAND);
    expect(manifest.features.shortcuts).toEqual([
      expect.objectContaining({ name: 'Secure my class call', type: 'global', callback_id: SHORTCUT_CALLBACK_ID }),
      expect.objectContaining({ name: 'Report an incident', type: 'global', callback_id: 'report.shortcut' }),
      expect.objectContaining({ name: 'Report this message', type: 'message', callback_id: 'report.message' }),
    ]);
  });

  test('every shortcut callback id is one the Slack listeners map (src/slack/ids.ts)', () => {
    for (const s of manifest.features.shortcuts) {
      const mapped = s.type === 'message' ? MESSAGE_SHORTCUTS[s.callback_id] : SHORTCUTS[s.callback_id];
      expect([s.callback_id, mapped]).toEqual([s.callback_id, expect.any(String)]);
    }
  });

  test('every bot scope is explained in manifests/slack/README.md', () => {
    const readme = readFileSync(join(slackDir, 'README.md'), 'utf8');
    for (const scope of manifest.oauth_config.scopes.bot) expect(readme).toContain(`| \`${scope}\` |`);
  });

  test('the usage hint offers only command words the bot recognises (content/en-GB/commands.yaml)', () => {
    const words = parseYaml(readFileSync(join(root, 'content', 'en-GB', 'commands.yaml'), 'utf8')) as Record<
      string,
      string[]
    >;
    const known = new Set(Object.values(words).flat().map((w) => w.toLowerCase()));
    for (const word of ['help', 'setup', 'ask', 'report']) {
      expect(SLASH_COMMAND.usage_hint).toContain(word);
      expect(known).toContain(word);
    }
  });

  test('has the home tab and a writable messages tab, with interactivity on', () => {
    expect(manifest.features.app_home).toMatchObject({ home_tab_enabled: true, messages_tab_enabled: true });
    expect(manifest.features.app_home.messages_tab_read_only_enabled ?? false).toBe(false);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
  });

  if (socketMode) {
    test('enables Socket Mode and has no request URLs', () => {
      expect(manifest.settings.socket_mode_enabled).toBe(true);
      expect(requestUrls(manifest)).toEqual(requestUrls(manifest).map(() => undefined));
      expect(JSON.stringify(manifest)).not.toContain('YOUR-HOST');
    });
  } else {
    test('uses HTTP with every request URL on https://…/slack/events', () => {
      expect(manifest.settings.socket_mode_enabled).toBe(false);
      for (const url of requestUrls(manifest)) expect(url).toMatch(/^https:\/\/[^/]+\/slack\/events$/);
    });
  }
});

test('the two Slack variants differ only in transport', () => {
  const strip = (m: SlackManifest): SlackManifest => {
    const copy = structuredClone(m);
    for (const c of copy.features.slash_commands) delete c.url;
    delete copy.settings.event_subscriptions.request_url;
    delete copy.settings.interactivity.request_url;
    copy.settings.socket_mode_enabled = false;
    return copy;
  };
  expect(strip(load(variants['socket mode']))).toEqual(strip(load(variants.http)));
});
