/** Shared helpers for the store tests: temp dirs, a capturing logger, spawning tsx fixtures. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock, Log, PendingRequest } from '../../src/core/ports.js';

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'safecall-store-'));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export interface CapturedLog extends Log {
  lines: { level: string; obj: object; msg?: string }[];
  text(): string;
}

export function captureLog(): CapturedLog {
  const lines: CapturedLog['lines'] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  return {
    lines,
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    debug: at('debug'),
    text: () => lines.map((l) => `${l.level} ${l.msg ?? ''} ${JSON.stringify(l.obj)}`).join('\n'),
  };
}

export const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;

/** Runs `test/store/fixtures/<name>` under tsx. */
export function runFixture(name: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, name), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'test' },
  });
}

/** Calls `onLine` for each stdout line; resolves with all lines and the exit signal/code on close. */
export function collectLines(
  child: ChildProcess,
  onLine: (line: string) => void = () => undefined,
): Promise<{ lines: string[]; code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const lines: string[] = [];
  let buf = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(line);
      onLine(line);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => void (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ lines, code, signal, stderr })));
}

/** A clock that only moves when a test moves it. */
export class TestClock implements Clock {
  constructor(private at = new Date('2026-03-02T09:00:00.000Z')) {}
  now(): Date {
    return new Date(this.at);
  }
  advance(ms: number): void {
    this.at = new Date(this.at.getTime() + ms);
  }
}

export const request = (id: string, over: Partial<PendingRequest> = {}): PendingRequest => ({
  id, kind: 'reminder', platform: 'slack', userId: 'U1', conversationId: 'D1', createdAt: '2026-03-01T00:00:00.000Z', detail: {}, ...over,
});
