/**
 * The platform figures as a table, SafeCall against the bare app, with the targets. This machine is shared
 * and busy, and outside load only ever makes a figure worse, so a speed figure is the best of the rounds
 * (lowest latency, start-up and CPU, highest turns per second); memory figures are the median.
 */
import type { Platform, RunFigures, Subject } from './platforms.js';

type Pick = 'min' | 'max' | 'median';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return Number.NaN;
  const mid = (s.length - 1) / 2;
  return (s[Math.floor(mid)]! + s[Math.ceil(mid)]!) / 2;
};

function pick(runs: RunFigures[], subject: Subject, platform: Platform | undefined, f: (r: RunFigures) => number, how: Pick): number {
  const xs = runs.filter((r) => r.subject === subject && (!platform || r.platform === platform)).map(f).filter((x) => !Number.isNaN(x));
  if (!xs.length) return Number.NaN;
  return how === 'min' ? Math.min(...xs) : how === 'max' ? Math.max(...xs) : median(xs);
}

interface Row {
  metric: string;
  bare: number;
  safecall: number;
  unit: string;
  /** ratio = safecall / bare; `max`: ratio must be at most this; `min`: at least. */
  target?: { max?: number; min?: number; text: string };
}

const fmt = (n: number) => (Number.isNaN(n) ? '-' : Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(n >= 10 ? 1 : 2));

function render(title: string, rows: Row[]): string[] {
  const lines = [title, `  ${'metric'.padEnd(34)}${'bare'.padStart(10)}${'SafeCall'.padStart(10)}${'ratio'.padStart(9)}   target`];
  for (const r of rows) {
    const ratio = r.safecall / r.bare;
    const met = r.target ? (r.target.max !== undefined ? ratio <= r.target.max : ratio >= (r.target.min ?? 0)) : undefined;
    const verdict = met === undefined ? '' : met ? 'met' : 'MISSED';
    lines.push(
      `  ${`${r.metric} (${r.unit})`.padEnd(34)}${fmt(r.bare).padStart(10)}${fmt(r.safecall).padStart(10)}${`×${fmt(ratio)}`.padStart(9)}   ${r.target?.text ?? ''} ${verdict}`,
    );
  }
  return lines;
}

export function platformTable(runs: RunFigures[]): string {
  const out: string[] = [];
  for (const platform of ['slack', 'teams'] as const) {
    const both = (f: (r: RunFigures) => number, how: Pick) => ({ bare: pick(runs, 'bare', platform, f, how), safecall: pick(runs, 'safecall', platform, f, how) });
    const title =
      platform === 'slack'
        ? 'Slack: /safecall setup against bare Bolt (ack + chat.postMessage)'
        : 'Teams: a guidance question against a bare botbuilder echo bot';
    const rows: Row[] = [
      { metric: 'latency p50', unit: 'ms', ...both((r) => r.load.p50Ms, 'min'), target: { max: 1.2, text: '≤ ×1.2' } },
      { metric: 'latency p99', unit: 'ms', ...both((r) => r.load.p99Ms, 'min'), target: { max: 1.2, text: '≤ ×1.2' } },
      { metric: 'turns finished per second', unit: '/s', ...both((r) => r.load.turnsPerSecond, 'max'), target: { min: 1 / 1.2, text: '≥ ×0.83' } },
      { metric: 'CPU per turn', unit: 'ms', ...both((r) => r.load.cpuMsPerTurn, 'min') },
      { metric: 'peak RSS, 200-request burst', unit: 'MiB', ...both((r) => r.burst.peakRssMiB, 'median'), target: { max: 1.5, text: '≤ ×1.5' } },
    ];
    out.push(...render(title, rows));
    if (platform === 'slack') {
      // Every round must meet this one, so the worst round counts.
      const share = (s: Subject) => pick(runs, s, 'slack', (r) => Math.min(1, r.load.repliedWithin1s / Math.max(1, r.load.accepted)), 'min');
      const sc = share('safecall');
      out.push(`  acknowledged commands replied to within 1 s of the load ending: bare ${(share('bare') * 100).toFixed(1)}%, SafeCall ${(sc * 100).toFixed(1)}%   target 100% ${sc >= 1 ? 'met' : 'MISSED'}`);
      const refused = pick(runs, 'safecall', 'slack', (r) => r.load.refused, 'median');
      const accepted = pick(runs, 'safecall', 'slack', (r) => r.load.accepted, 'median');
      const burstRefused = pick(runs, 'safecall', 'slack', (r) => r.burst.refused, 'median');
      out.push(`  SafeCall answered 503 (not acknowledged, Slack retries): ${fmt(refused)} of ${fmt(accepted + refused)} under load, ${fmt(burstRefused)} of 200 in the burst`);
    }
    out.push('');
  }
  const start = { slack: pick(runs, 'bare', 'slack', (r) => r.startupMs, 'min'), teams: pick(runs, 'bare', 'teams', (r) => r.startupMs, 'min') };
  const idleBare = Math.max(pick(runs, 'bare', 'slack', (r) => r.idleRssMiB, 'median'), pick(runs, 'bare', 'teams', (r) => r.idleRssMiB, 'median'));
  out.push(
    ...render('Process (SafeCall serves both platforms; bare = the two bare apps)', [
      { metric: 'start-up to healthy /healthz', unit: 'ms', bare: start.slack + start.teams, safecall: pick(runs, 'safecall', undefined, (r) => r.startupMs, 'min'), target: { max: 1, text: '≤ the two added' } },
      { metric: 'idle RSS', unit: 'MiB', bare: idleBare, safecall: pick(runs, 'safecall', undefined, (r) => r.idleRssMiB, 'median'), target: { max: 1.1, text: '≤ ×1.1 the larger' } },
    ]),
  );
  out.push(`  (bare start-up: Bolt ${fmt(start.slack)} ms, botbuilder ${fmt(start.teams)} ms)`);
  return out.join('\n');
}
