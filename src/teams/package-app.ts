// Builds the Teams app package (manifest.json + color.png + outline.png at the zip root) from
// manifests/teams, with the real app id, bot id and public host substituted in.
// Run with `npm run package:teams`; env: MicrosoftAppId (required), SAFECALL_TEAMS_APP_ID, SAFECALL_PUBLIC_HOST.
import { readFile, mkdir } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import AdmZip from 'adm-zip';
import { AppManifestUtils, type AppManifest } from '@microsoft/app-manifest';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
export const TEAMS_MANIFEST_DIR = join(projectRoot, 'manifests', 'teams');
export const DEFAULT_OUT_DIR = join(TEAMS_MANIFEST_DIR, 'build');
export const PACKAGE_FILE_NAME = 'safecall-teams.zip';
/** Files that go into the package, all at the zip root. */
export const PACKAGE_ENTRIES = ['manifest.json', 'color.png', 'outline.png'] as const;
/** The placeholder in the committed manifest's validDomains. */
export const HOST_PLACEHOLDER = 'YOUR-HOST';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TeamsPackageOptions {
  /** The Teams app id (manifest `id`); defaults to the bot id. */
  appId?: string;
  /** The bot's Microsoft App ID (Azure Bot registration), i.e. env MicrosoftAppId. */
  botId: string;
  /** Public host name of the SafeCall server (e.g. safecall.school.example); goes into validDomains. */
  host?: string;
  /** Where to write the zip; defaults to manifests/teams/build. */
  outDir?: string;
}

/** Thrown for bad input; the CLI prints only its message. */
export class PackagingError extends Error {
  override name = 'PackagingError';
}

interface TeamsManifestJson {
  manifestVersion: string;
  id: string;
  bots?: { botId: string }[];
  composeExtensions?: { botId: string }[];
  validDomains?: string[];
  [key: string]: unknown;
}

function requireGuid(value: string | undefined, what: string): string {
  const trimmed = value?.trim();
  if (!trimmed) throw new PackagingError(`${what} is missing: set it to the bot's Microsoft App ID (a GUID).`);
  if (!GUID.test(trimmed)) throw new PackagingError(`${what} is not a GUID: "${trimmed}".`);
  return trimmed.toLowerCase();
}

/** Accepts "host", "host:port" or a URL; returns the bare host Teams expects in validDomains. */
export function normaliseHost(raw: string): string {
  const trimmed = raw.trim();
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
  } catch {
    throw new PackagingError(`SAFECALL_PUBLIC_HOST is not a host name: "${raw}".`);
  }
  if (!url.hostname || url.hostname === HOST_PLACEHOLDER.toLowerCase()) {
    throw new PackagingError(`SAFECALL_PUBLIC_HOST is not a host name: "${raw}".`);
  }
  return url.host;
}

/** Reads the packaging options from the environment; throws PackagingError with a one-line message. */
export function optionsFromEnv(env: NodeJS.ProcessEnv): TeamsPackageOptions {
  const botId = requireGuid(env.MicrosoftAppId, 'MicrosoftAppId');
  const appIdRaw = env.SAFECALL_TEAMS_APP_ID?.trim();
  const appId = appIdRaw ? requireGuid(appIdRaw, 'SAFECALL_TEAMS_APP_ID') : botId;
  const host = env.SAFECALL_PUBLIC_HOST?.trim() || undefined;
  return { appId, botId, host };
}

/**
 * Validates a Teams manifest against the JSON schema bundled with @microsoft/app-manifest.
 * Never goes online: a manifest version whose schema is not bundled is an error.
 * Returns the schema errors (empty when valid).
 */
export async function validateTeamsManifest(manifest: { manifestVersion: string }): Promise<string[]> {
  const packageEntry = createRequire(import.meta.url).resolve('@microsoft/app-manifest');
  const schemaPath = join(
    dirname(packageEntry),
    'json-schemas',
    'teams',
    `v${manifest.manifestVersion}`,
    'MicrosoftTeams.schema.json',
  );
  if (!existsSync(schemaPath)) {
    throw new PackagingError(
      `Teams manifest version ${manifest.manifestVersion} is not bundled with @microsoft/app-manifest; cannot validate offline.`,
    );
  }
  // Same clean-up the library applies to Microsoft's schemas (\a and \v escapes are not valid JSON).
  const text = readFileSync(schemaPath, 'utf8').replace(/\\a/g, '\\u0007').replace(/\\v/g, '\\u000b');
  const schema = JSON.parse(text) as Parameters<typeof AppManifestUtils.validateAgainstSchema>[1];
  return AppManifestUtils.validateAgainstSchema(manifest as unknown as AppManifest, schema);
}

/** The committed manifest with ids and host substituted (pure apart from reading the file). */
export async function buildTeamsManifest(options: TeamsPackageOptions): Promise<TeamsManifestJson> {
  const botId = requireGuid(options.botId, 'MicrosoftAppId');
  const appId = options.appId === undefined ? botId : requireGuid(options.appId, 'SAFECALL_TEAMS_APP_ID');
  const manifest = JSON.parse(
    await readFile(join(TEAMS_MANIFEST_DIR, 'manifest.json'), 'utf8'),
  ) as TeamsManifestJson;

  manifest.id = appId;
  for (const bot of manifest.bots ?? []) bot.botId = botId;
  // The message action ("Report this message") is served by the same bot.
  for (const extension of manifest.composeExtensions ?? []) extension.botId = botId;

  const host = options.host === undefined ? undefined : normaliseHost(options.host);
  const domains = (manifest.validDomains ?? []).filter((d) => d !== HOST_PLACEHOLDER);
  if (host && !domains.includes(host)) domains.unshift(host);
  manifest.validDomains = domains;
  return manifest;
}

/** Writes the Teams app package and returns the zip's path. */
export async function packageTeamsApp(options: TeamsPackageOptions): Promise<string> {
  const manifest = await buildTeamsManifest(options);
  const errors = await validateTeamsManifest(manifest);
  if (errors.length > 0) {
    throw new PackagingError(`The Teams manifest does not validate: ${errors.join('; ')}`);
  }

  const zip = new AdmZip();
  zip.addFile('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'));
  for (const icon of PACKAGE_ENTRIES.filter((name) => name !== 'manifest.json')) {
    zip.addFile(icon, await readFile(join(TEAMS_MANIFEST_DIR, icon)));
  }

  const outDir = resolve(options.outDir ?? DEFAULT_OUT_DIR);
  await mkdir(outDir, { recursive: true });
  const zipPath = join(outDir, PACKAGE_FILE_NAME);
  await zip.writeZipPromise(zipPath, { overwrite: true });
  return zipPath;
}

async function main(): Promise<void> {
  try {
    const options = optionsFromEnv(process.env);
    if (!options.host) {
      console.warn(`SAFECALL_PUBLIC_HOST not set: validDomains will not list the SafeCall host.`);
    }
    console.log(await packageTeamsApp(options));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`package:teams: ${message.split('\n')[0]}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
