/**
 * Summarises V8 CPU profiles (from `BENCH_CPU_PROF=<dir> npm run bench -- --only=platforms`): where the
 * server's time went, by self time per function and per package or source folder.
 *
 *   node --import tsx bench/profile.ts <file.cpuprofile> [top]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const where = (url: string): string => {
  if (!url) return '(native)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  const own = /\/((?:dist\/)?(?:src|dialogs)\/.+)$/.exec(url);
  return own ? own[1]! : url.replace(/^.*\//, '');
};

export function summarise(path: string, top = 25): string {
  const p = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const key = `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const k = where(n.callFrame.url);
    pkg.set(k, (pkg.get(k) ?? 0) + us);
  }
  // Inclusive time of our own functions (src/, dialogs/): every sample counts once for each of them on its stack.
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at)!;
      if (!/\/(src|dialogs)\//.test(n.callFrame.url) || /node_modules/.test(n.callFrame.url)) continue;
      const key = `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const list = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
  return [`${path}: ${(total / 1000).toFixed(0)} ms sampled`, 'by package or folder:', ...list(pkg), 'by function (self):', ...list(fn), 'our functions (inclusive):', ...list(inclusive)].join('\n');
}

if (process.argv[2]) console.log(summarise(process.argv[2], Number(process.argv[3] ?? 25)));
