// Draws the two Teams app icons: a shield with a tick.
// Run once with `node --import tsx manifests/teams/make-icons.ts`; the PNGs are committed.
//   color.png   192×192, white shield and accent-coloured tick on a solid accent background
//   outline.png  32×32, white shield outline and tick on transparent (Teams accepts only white + alpha)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

type Point = readonly [number, number];
type Rgb = readonly [number, number, number];

const here = dirname(fileURLToPath(import.meta.url));

/** The manifest's accentColor is the single source of the icon colour. */
function accentFromManifest(): Rgb {
  const manifest = JSON.parse(readFileSync(join(here, 'manifest.json'), 'utf8')) as { accentColor: string };
  const hex = /^#([0-9a-f]{6})$/i.exec(manifest.accentColor)?.[1];
  if (!hex) throw new Error(`accentColor must be #RRGGBB, got ${manifest.accentColor}`);
  const n = Number.parseInt(hex, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Quadratic Bézier from a to b with control c, as `steps` points (excluding a). */
function curve(a: Point, c: Point, b: Point, steps: number): Point[] {
  const out: Point[] = [];
  for (let i = 1; i <= steps; i++) {
    const t = i / steps;
    const u = 1 - t;
    out.push([u * u * a[0] + 2 * u * t * c[0] + t * t * b[0], u * u * a[1] + 2 * u * t * c[1] + t * t * b[1]]);
  }
  return out;
}

/** Shield outline in unit coordinates (x right, y down, both 0..1). */
const SHIELD: Point[] = [
  [0.5, 0],
  [0.96, 0.14],
  [0.96, 0.5],
  ...curve([0.96, 0.5], [0.96, 0.84], [0.5, 1], 24),
  ...curve([0.5, 1], [0.04, 0.84], [0.04, 0.5], 24),
  [0.04, 0.14],
];

/** The tick, as a polyline in the same unit coordinates. */
const TICK: Point[] = [
  [0.28, 0.52],
  [0.44, 0.68],
  [0.73, 0.36],
];

function insidePolygon(p: Point, poly: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!;
    const [xj, yj] = poly[j]!;
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function distanceToSegment(p: Point, a: Point, b: Point): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const t = Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

function distanceToPolyline(p: Point, line: readonly Point[], closed: boolean): number {
  let best = Infinity;
  const n = closed ? line.length : line.length - 1;
  for (let i = 0; i < n; i++) best = Math.min(best, distanceToSegment(p, line[i]!, line[(i + 1) % line.length]!));
  return best;
}

/** Where the shield sits inside a square canvas of `size` pixels. */
interface Frame {
  size: number;
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Fraction (0..1) of the pixel covered by `hit`, sampled 4×4 for anti-aliasing; `hit` gets pixel coordinates. */
function coverage(x: number, y: number, hit: (p: Point) => boolean): number {
  let n = 0;
  for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) if (hit([x + (sx + 0.5) / 4, y + (sy + 0.5) / 4])) n++;
  return n / 16;
}

function toFrame(f: Frame, poly: readonly Point[]): Point[] {
  return poly.map(([x, y]) => [f.left + x * f.width, f.top + y * f.height] as const);
}

function blend(a: number, b: number, t: number): number {
  return Math.round(a * (1 - t) + b * t);
}

function drawColorIcon(accent: Rgb): PNG {
  const f: Frame = { size: 192, left: 44, top: 32, width: 104, height: 128 };
  const shield = toFrame(f, SHIELD);
  const tick = toFrame(f, TICK);
  const tickHalfWidth = 7.5;
  const png = new PNG({ width: f.size, height: f.size });
  for (let y = 0; y < f.size; y++) {
    for (let x = 0; x < f.size; x++) {
      const s = coverage(x, y, (p) => insidePolygon(p, shield));
      const t = coverage(x, y, (p) => distanceToPolyline(p, tick, false) <= tickHalfWidth);
      const i = (y * f.size + x) * 4;
      for (let c = 0; c < 3; c++) png.data[i + c] = blend(blend(accent[c]!, 255, s), accent[c]!, t);
      png.data[i + 3] = 255;
    }
  }
  return png;
}

function drawOutlineIcon(): PNG {
  const f: Frame = { size: 32, left: 4.5, top: 2, width: 23, height: 28 };
  const shield = toFrame(f, SHIELD);
  const tick = toFrame(f, TICK);
  const stroke = 2.2;
  const png = new PNG({ width: f.size, height: f.size });
  for (let y = 0; y < f.size; y++) {
    for (let x = 0; x < f.size; x++) {
      const ring = coverage(x, y, (p) => insidePolygon(p, shield) && distanceToPolyline(p, shield, true) <= stroke);
      const t = coverage(x, y, (p) => distanceToPolyline(p, tick, false) <= stroke / 2 + 0.1);
      const alpha = Math.round(255 * Math.max(ring, t));
      const i = (y * f.size + x) * 4;
      // Fully transparent pixels are written as 0,0,0,0: still "transparent" to Teams; every visible pixel is pure white.
      const white = alpha > 0 ? 255 : 0;
      png.data[i] = white;
      png.data[i + 1] = white;
      png.data[i + 2] = white;
      png.data[i + 3] = alpha;
    }
  }
  return png;
}

function main(): void {
  const color = join(here, 'color.png');
  const outline = join(here, 'outline.png');
  writeFileSync(color, PNG.sync.write(drawColorIcon(accentFromManifest())));
  writeFileSync(outline, PNG.sync.write(drawOutlineIcon()));
  process.stdout.write(`wrote ${color}\nwrote ${outline}\n`);
}

main();
