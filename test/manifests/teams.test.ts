import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import AdmZip from 'adm-zip';
import { PNG } from 'pngjs';
import { parse as parseYaml } from 'yaml';
import { jest } from '@jest/globals';

// @microsoft/app-manifest is CommonJS and require()s the ESM-only strip-bom, which Node 20 loads but
// Jest's module system cannot. Stand in for it (package-app never reads manifests through the library),
// then load the module under test.
jest.mock('strip-bom', () => ({ __esModule: true, default: (text: string) => text.replace(/^\uFEFF/, '') }));
const { PACKAGE_ENTRIES, PACKAGE_FILE_NAME, optionsFromEnv, packageTeamsApp, validateTeamsManifest } = await import(
  '../../src/teams/package-app.js'
);

const { MESSAGE_ACTIONS } = await import('../../src/teams/ids.js');

const root = fileURLToPath(new URL('../../', import.meta.url));
const teamsDir = join(root, 'manifests', 'teams');
const PLACEHOLDER_GUID = '00000000-0000-0000-0000-000000000000';
const BOT_ID = '6f1c2a9e-3b7d-4c1e-9a55-0d2b8e4f7a10';
const APP_ID = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

interface Command {
  title: string;
  description: string;
}
interface TeamsManifest {
  manifestVersion: string;
  id: string;
  accentColor: string;
  icons: { color: string; outline: string };
  validDomains: string[];
  developer: Record<string, string>;
  bots: {
    botId: string;
    scopes: string[];
    supportsFiles: boolean;
    isNotificationOnly: boolean;
    commandLists: { scopes: string[]; commands: Command[] }[];
  }[];
}

const EXPECTED_COMMANDS: Command[] = [
  { title: 'help', description: 'What SafeCall can do' },
  { title: 'secure my call', description: 'Step-by-step setup for your class call' },
  { title: 'ask', description: 'Ask a question, e.g. ask lobby in teams' },
  { title: 'happening now', description: 'Someone is disrupting my call right now' },
  { title: 'report', description: 'Report an incident to the data protection lead' },
  { title: 'my reports', description: 'The incidents you reported and where they are' },
];

const manifest = JSON.parse(readFileSync(join(teamsDir, 'manifest.json'), 'utf8')) as TeamsManifest;
const bot = manifest.bots[0]!;

function pngSize(file: Buffer): { width: number; height: number } {
  expect(file.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
  expect(file.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: file.readUInt32BE(16), height: file.readUInt32BE(20) };
}

describe('Teams manifest', () => {
  test('validates offline against the bundled schema with zero errors', async () => {
    expect(Number(manifest.manifestVersion.split('.')[1])).toBeGreaterThanOrEqual(17);
    const fetchSpy = jest.spyOn(globalThis, 'fetch').mockRejectedValue(new Error('no network in this test'));
    try {
      expect(await validateTeamsManifest(manifest)).toEqual([]);
      expect(fetchSpy).not.toHaveBeenCalled();
    } finally {
      fetchSpy.mockRestore();
    }
  });

  test('the schema check has teeth: a broken manifest is rejected', async () => {
    const broken = { ...manifest, id: 'not-a-guid', accentColor: undefined };
    expect((await validateTeamsManifest(broken)).length).toBeGreaterThan(0);
  });

  test('ids are placeholder GUIDs, the bot is conversational and may send files (the breach log, after consent)', () => {
    expect(manifest.id).toBe(PLACEHOLDER_GUID);
    expect(manifest.bots).toHaveLength(1);
    expect(bot.botId).toBe(PLACEHOLDER_GUID);
    expect(bot.supportsFiles).toBe(true);
    expect(bot.isNotificationOnly).toBe(false);
    expect([...bot.scopes].sort()).toEqual(['groupChat', 'personal', 'team']);
    expect(manifest.developer.name).toBe('SafeCall');
  });

  test('has the "Report this message" message action, served by the bot and mapped by the adapter (src/teams/ids.ts)', () => {
    const extensions = (manifest as unknown as { composeExtensions: { botId: string; commands: { id: string; type: string; context: string[]; fetchTask: boolean; title: string }[] }[] }).composeExtensions;
    expect(extensions).toHaveLength(1);
    expect(extensions[0]!.botId).toBe(bot.botId);
    expect(extensions[0]!.commands).toEqual([expect.objectContaining({ id: 'reportMessage', type: 'action', context: ['message'], fetchTask: true, title: 'Report this message' })]);
    for (const c of extensions[0]!.commands) expect(MESSAGE_ACTIONS[c.id]).toEqual(expect.any(String));
  });

  test('offers the six commands in each of personal, team and group chat', () => {
    const listedScopes = bot.commandLists.flatMap((list) => list.scopes).sort();
    expect(listedScopes).toEqual(['groupChat', 'personal', 'team']);
    for (const list of bot.commandLists) expect(list.commands).toEqual(EXPECTED_COMMANDS);
  });

  test('every command title is a command word the bot recognises (content/en-GB/commands.yaml)', () => {
    const words = parseYaml(readFileSync(join(root, 'content', 'en-GB', 'commands.yaml'), 'utf8')) as Record<
      string,
      string[]
    >;
    const known = new Set(Object.values(words).flat().map((w) => w.toLowerCase()));
    for (const { title } of EXPECTED_COMMANDS) expect(known).toContain(title);
  });

  test('icons are 192×192 (colour) and 32×32 (outline) PNGs', () => {
    expect(pngSize(readFileSync(join(teamsDir, manifest.icons.color)))).toEqual({ width: 192, height: 192 });
    expect(pngSize(readFileSync(join(teamsDir, manifest.icons.outline)))).toEqual({ width: 32, height: 32 });
  });

  test('the outline icon is only white on transparent, and draws something', () => {
    const png = PNG.sync.read(readFileSync(join(teamsDir, manifest.icons.outline)));
    let visible = 0;
    const offenders: string[] = [];
    for (let i = 0; i < png.width * png.height; i++) {
      const [r, g, b, a] = png.data.subarray(i * 4, i * 4 + 4);
      if (a === 0) continue;
      visible++;
      if (r !== 255 || g !== 255 || b !== 255) offenders.push(`(${i % png.width},${Math.floor(i / png.width)})`);
    }
    expect(offenders).toEqual([]);
    expect(visible).toBeGreaterThan(50);
    expect(visible).toBeLessThan(png.width * png.height);
  });

  test('the colour icon is opaque and uses the accent colour and white', () => {
    const png = PNG.sync.read(readFileSync(join(teamsDir, manifest.icons.color)));
    const accent = manifest.accentColor.toLowerCase();
    const colours = new Map<string, number>();
    let translucent = 0;
    for (let i = 0; i < png.width * png.height; i++) {
      const [r, g, b, a] = png.data.subarray(i * 4, i * 4 + 4);
      if (a !== 255) translucent++;
      const hex = `#${[r, g, b].map((c) => c!.toString(16).padStart(2, '0')).join('')}`;
      colours.set(hex, (colours.get(hex) ?? 0) + 1);
    }
    expect(translucent).toBe(0);
    expect(colours.get(accent) ?? 0).toBeGreaterThan(png.width * png.height * 0.3);
    expect(colours.get('#ffffff') ?? 0).toBeGreaterThan(png.width * png.height * 0.1);
  });
});

describe('Teams app package', () => {
  let outDir: string;
  beforeEach(() => {
    outDir = mkdtempSync(join(tmpdir(), 'safecall-teams-'));
  });
  afterEach(() => rmSync(outDir, { recursive: true, force: true }));

  test('zips manifest.json, color.png and outline.png at the root with the real ids and host', async () => {
    const zipPath = await packageTeamsApp({ appId: APP_ID, botId: BOT_ID, host: 'safecall.school.example', outDir });
    expect(zipPath).toBe(join(outDir, PACKAGE_FILE_NAME));

    const zip = new AdmZip(zipPath);
    expect(zip.getEntries().map((e) => e.entryName).sort()).toEqual([...PACKAGE_ENTRIES].sort());
    for (const icon of ['color.png', 'outline.png']) {
      expect(zip.readFile(icon)).toEqual(readFileSync(join(teamsDir, icon)));
    }

    const packaged = JSON.parse(zip.readAsText('manifest.json')) as TeamsManifest;
    expect(packaged.id).toBe(APP_ID);
    expect(packaged.bots[0]!.botId).toBe(BOT_ID);
    expect((packaged as unknown as { composeExtensions: { botId: string }[] }).composeExtensions[0]!.botId).toBe(BOT_ID);
    expect(packaged.validDomains).toEqual(['safecall.school.example']);
    expect(JSON.stringify(packaged)).not.toContain(PLACEHOLDER_GUID);
    expect(JSON.stringify(packaged)).not.toContain('YOUR-HOST');
    expect(await validateTeamsManifest(packaged)).toEqual([]);
  });

  test('the app id defaults to the bot id; a URL for the host is reduced to its host name', async () => {
    const zipPath = await packageTeamsApp({ botId: BOT_ID.toUpperCase(), host: 'https://bot.example.net/slack/events', outDir });
    const packaged = JSON.parse(new AdmZip(zipPath).readAsText('manifest.json')) as TeamsManifest;
    expect(packaged.id).toBe(BOT_ID);
    expect(packaged.bots[0]!.botId).toBe(BOT_ID);
    expect(packaged.validDomains).toEqual(['bot.example.net']);
  });

  test('reads the ids and host from the environment', () => {
    expect(optionsFromEnv({ MicrosoftAppId: BOT_ID })).toEqual({ appId: BOT_ID, botId: BOT_ID, host: undefined });
    expect(
      optionsFromEnv({ MicrosoftAppId: BOT_ID, SAFECALL_TEAMS_APP_ID: APP_ID, SAFECALL_PUBLIC_HOST: 'safecall.example' }),
    ).toEqual({ appId: APP_ID, botId: BOT_ID, host: 'safecall.example' });
  });

  test('refuses a missing or invalid MicrosoftAppId (and an invalid app id)', async () => {
    expect(() => optionsFromEnv({})).toThrow(/^MicrosoftAppId is missing/);
    expect(() => optionsFromEnv({ MicrosoftAppId: '  ' })).toThrow(/^MicrosoftAppId is missing/);
    expect(() => optionsFromEnv({ MicrosoftAppId: 'my-bot' })).toThrow(/^MicrosoftAppId is not a GUID/);
    expect(() => optionsFromEnv({ MicrosoftAppId: BOT_ID, SAFECALL_TEAMS_APP_ID: '42' })).toThrow(
      /^SAFECALL_TEAMS_APP_ID is not a GUID/,
    );
    await expect(packageTeamsApp({ botId: 'my-bot', outDir })).rejects.toThrow(/MicrosoftAppId is not a GUID/);
    expect(existsSync(join(outDir, PACKAGE_FILE_NAME))).toBe(false);
  });

  test('`npm run package:teams` without MicrosoftAppId exits 1 with a one-line message', async () => {
    const env = { ...process.env };
    delete env.MicrosoftAppId;
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/teams/package-app.ts'], { cwd: root, env });
    const failure = (await run.then(
      () => undefined,
      (e: unknown) => e,
    )) as { code?: number; stdout: string; stderr: string } | undefined;
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toBe('');
    expect(failure?.stderr.trim().split('\n')).toEqual([
      "package:teams: MicrosoftAppId is missing: set it to the bot's Microsoft App ID (a GUID).",
    ]);
  });
});
