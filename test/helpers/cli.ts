/**
 * Runs `safecall <argv>` in this process (src/cli.ts), capturing what it prints: `out` from console.log
 * (and process.stdout.write with `stdout: true`, for commands that stream a file), `err` from console.error,
 * `all` both in the order printed.
 */
import { jest } from '@jest/globals';
import { main } from '../../src/cli.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
  all: string;
}

export async function runCli(argv: string[], opts: { stdout?: boolean } = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const all: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (out.push(a.join(' ')), all.push(a.join(' '))));
  const error = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (err.push(a.join(' ')), all.push(a.join(' '))));
  const write = opts.stdout
    ? jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), all.push(String(chunk)), true))
    : undefined;
  try {
    const code = await main(argv);
    return { code, out: out.join('\n'), err: err.join('\n'), all: all.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write?.mockRestore();
  }
}
