/**
 * deploy/nginx.conf run for real by Debian's nginx in a temporary prefix: only the upstream addresses, the
 * listen port and the temporary paths differ from the file in deploy/. The test files that use it call
 * `needs('nginx')` first (system-deps.ts): `npm test` installs nginx-light, or they are skipped with the reason.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { depPath } from './system-deps.js';

/** Debian's nginx (/usr/sbin/nginx), or SAFECALL_TEST_NGINX. */
export const NGINX = depPath('nginx');

export interface NginxPrefix {
  base: string;
  dir: string;
  /** Starts nginx (in the foreground, as a child) and resolves once /proxy-healthz answers. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops nginx and removes the prefix. */
  remove(): Promise<void>;
  /** The running master's and workers' process ids (Linux), e.g. to pause them with SIGSTOP. */
  pids(): number[];
}

/** `workers`: nginx's worker processes (2 by default; 1 gives one cache of idle upstream connections). */
export async function nginxFor(upstreams: [number, number], o: { workers?: number } = {}): Promise<NginxPrefix> {
  const conf = readFileSync(new URL('../../deploy/nginx.conf', import.meta.url), 'utf8');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'safecall-nginx-'));
  const local = conf
    .replace(/server safecall-1:3978/, `server 127.0.0.1:${upstreams[0]}`)
    .replace(/server safecall-2:3978/, `server 127.0.0.1:${upstreams[1]}`)
    .replace(/listen \d+;/, `listen 127.0.0.1:${port};`)
    .replace(/^worker_processes .*$/m, `worker_processes ${o.workers ?? 2};\npid ${dir}/nginx.pid;`)
    .replace(/http \{/, `http {\n  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;\n` +
      `  fastcgi_temp_path ${dir}/f; uwsgi_temp_path ${dir}/u; scgi_temp_path ${dir}/s;`);
  if (/safecall-\d:/.test(local)) throw new Error('deploy/nginx.conf no longer names its upstreams safecall-1:3978 and safecall-2:3978');
  writeFileSync(join(dir, 'nginx.conf'), local);
  // Node's stdio pipes are sockets, which nginx cannot open as /dev/stdout: its output goes to a file.
  const out = openSync(join(dir, 'out.log'), 'a');
  const args = ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')];
  execFileSync(NGINX, ['-t', ...args], { stdio: ['ignore', out, out] });
  const base = `http://127.0.0.1:${port}`;
  let proxy: ChildProcess | undefined;
  const stop = async () => {
    if (!proxy || proxy.exitCode !== null) return;
    const exited = new Promise((ok) => proxy!.once('exit', ok));
    proxy.kill('SIGTERM');
    await exited;
  };
  return {
    base,
    dir,
    async start() {
      proxy = spawn(NGINX, [...args, '-g', 'daemon off;'], { stdio: ['ignore', out, out] });
      for (let i = 0; ; i++) {
        try {
          await fetch(`${base}/proxy-healthz`);
          return;
        } catch (err) {
          if (i > 100) throw err;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    },
    stop,
    pids() {
      const master = proxy?.pid;
      if (!master || proxy!.exitCode !== null) return [];
      const children = readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      return [master, ...children];
    },
    async remove() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
