/** Recurring and one-off calls get different words where the guidance differs (content stepsByKind, core stepsFor). */
import { loadContent } from '../../src/content/load.js';
import { CALL_KINDS, CALL_PLATFORMS, stepsFor } from '../../src/core/guidance/schema.js';

const { guidance } = loadContent();
const item = (id: string) => guidance.byId.get(id)!;

test.each(CALL_PLATFORMS)('a recurring class on %s is one meeting set up once, not a new meeting each lesson', (p) => {
  const s = item('unique-meeting-id').platforms[p];
  const steps = stepsFor(s, 'class').join('\n');
  expect(steps).not.toBe(s.steps.join('\n'));
  expect(steps).toMatch(/once/);
  expect(steps).toMatch(/repeat|recurring/);
  expect(steps).not.toMatch(/each lesson|every lesson as a new|new meeting for each/i);
});

test.each(CALL_PLATFORMS)('a one-off lesson or a meeting on %s gets the steps for every kind', (p) => {
  const s = item('unique-meeting-id').platforms[p];
  expect(stepsFor(s, 'lesson')).toBe(s.steps);
  expect(stepsFor(s, 'meeting')).toBe(s.steps);
  expect(stepsFor(s, undefined)).toBe(s.steps);
});

test('no steps for every kind tell a teacher to schedule each lesson as a new meeting', () => {
  for (const i of guidance.items) {
    for (const p of CALL_PLATFORMS) {
      expect({ at: `${i.id}/${p}`, steps: i.platforms[p].steps.filter((s) => /schedule each lesson as a new meeting/i.test(s)) }).toEqual({ at: `${i.id}/${p}`, steps: [] });
    }
  }
});

test('per-kind steps name only kinds there are', () => {
  for (const i of guidance.items) for (const p of CALL_PLATFORMS) for (const k of Object.keys(i.platforms[p].stepsByKind ?? {})) expect(CALL_KINDS).toContain(k);
});
