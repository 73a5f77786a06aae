/**
 * Starts Microsoft's local Teams client, the Microsoft 365 Agents Playground, as a child process pointed at
 * SafeCall's /api/messages with no auth. Its own browser launch is switched off (TEAMSAPPTESTER_BROWSER=none):
 * the test drives the page in Chromium itself. Its log and config lookups go to a temp folder, not the repo.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const CLI = join(dirname(require.resolve('@microsoft/m365agentsplayground/package.json')), 'cli.js');

export interface Playground {
  url: string;
  /** Everything the playground printed, for a failure message. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * `configFile`: the playground's mock Teams context (who the current user is, the chats); without it, its
 * built-in default (user Alex Wilber) is used.
 */
export async function startPlayground(botEndpoint: string, workDir: string, configFile?: string, timeoutMs = 20000): Promise<Playground> {
  const child: ChildProcess = spawn(
    process.execPath,
    // Port 0: the playground falls back to a random free port, which it prints as "Listening on N".
    [CLI, '--app-endpoint', botEndpoint, '--channel-id', 'msteams', '--port', '0', '--disable-telemetry'],
    {
      cwd: workDir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: workDir,
        TEAMSAPPTESTER_BROWSER: 'none',
        M365_AGENTS_PLAYGROUND_LOGFILE: join(workDir, 'playground.log'),
        M365_AGENTS_PLAYGROUND_CONFIG_PATH: configFile ?? join(workDir, '.m365agentsplayground.yml'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killed = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killed);
  };

  const port = await new Promise<number>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`the Agents Playground did not start within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const look = () => {
      const m = out.match(/Listening on (\d+)/);
      if (m && Number(m[1]) > 0) {
        clearTimeout(timer);
        ok(Number(m[1]));
      }
    };
    child.stdout!.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`the Agents Playground exited (code ${code}) before it listened:\n${out}`));
    });
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });

  return { url: `http://127.0.0.1:${port}`, output: () => out, stop };
}
