/**
 * Every log line of a test run, kept for the whole-run scan (test/security/log-scan.test.ts, which the
 * sequencer runs last): each in-process rig (test/rig/harness.ts) and each server process started through
 * the rig (test/rig/processes.ts) appends what it logs to a file of its own under one directory per run.
 * Words a person typed into a test are marked (`Zq81-…`, `Qx77-…`, see test/e2e/reports.rig.ts): no line
 * anywhere may hold one.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPrefix } from '../rig/store-env.js';

/** Marks the words tests type as a person would (report narratives, notes, DMs). */
export const TYPED_MARKERS = ['Zq81-', 'Qx77-'];

export const runLogDir = () => join(tmpdir(), 'safecall-test-logs', runPrefix().replace(/_$/, ''));

/** A sink for one server's log: appends each chunk to its own file of this run. */
export function runLog(name: string): (chunk: string) => void {
  const dir = runLogDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Random, not counted: every test file has its own module registry, so a counter would start again.
  const file = join(dir, `${process.pid}-${randomBytes(4).toString('hex')}-${name.replace(/[^\w.-]/g, '_')}.log`);
  return (chunk) => {
    try {
      appendFileSync(file, chunk, { mode: 0o600 });
    } catch {
      // The run's directory went (a server a failed test left running outlived the run): keep the line
      // rather than crash the test process that reads the server's output.
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        appendFileSync(file, chunk, { mode: 0o600 });
      } catch {
        /* nowhere to keep it */
      }
    }
  };
}

/** Every file kept so far this run, with its text. */
export function runLogs(): { file: string; text: string }[] {
  const dir = runLogDir();
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.map((f) => ({ file: f, text: readFileSync(join(dir, f), 'utf8') }));
}
