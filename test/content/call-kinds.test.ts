/** Recurring and one-off calls get different words where the guidance differs (recurringTitle, recurringSteps). */
import { loadContent } from '../../src/content/load.js';
import { CALL_PLATFORMS } from '../../src/core/guidance/schema.js';

const { guidance } = loadContent();
const item = (id: string) => guidance.byId.get(id)!;

test.each(CALL_PLATFORMS)('a recurring class on %s is one meeting set up once, not a new meeting each lesson', (p) => {
  const steps = (item('unique-meeting-id').platforms[p].recurringSteps ?? []).join('\n');
  expect(steps).toMatch(/once/);
  expect(steps).toMatch(/repeat|recurring/);
  expect(steps).not.toMatch(/each lesson|every lesson as a new|new meeting for each/i);
});

test("a recurring class's title does not ask for a new meeting ID every lesson", () => {
  const i = item('unique-meeting-id');
  expect(i.recurringTitle).toBeDefined();
  expect(i.recurringTitle).not.toMatch(/each lesson|every lesson/i);
});

test('the steps for every kind of call do not tell a teacher to schedule each lesson as a new meeting', () => {
  const told = guidance.items.flatMap((i) =>
    CALL_PLATFORMS.flatMap((p) => i.platforms[p].steps.filter((s) => /schedule each lesson as a new meeting/i.test(s)).map((s) => `${i.id}/${p}: ${s}`)),
  );
  expect(told).toEqual([]);
});
