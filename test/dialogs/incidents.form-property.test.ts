/** Whatever a form submission holds, the checks answer (never throw), and what they accept is possible. */
import fc from 'fast-check';
import { checkReport } from '../../dialogs/incidents/form.js';
import { REPORT_FIELDS as F } from '../../dialogs/incidents/ids.js';
import { realContent } from './secure-call.harness.js';

const NOW = new Date('2027-03-01T09:00:00Z');
const time = fc.oneof(
  fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.string(),
  fc.constant(''),
  fc.integer({ min: 0, max: 2_000_000_000 }).map(String),
);
const values = fc.record({
  [F.category]: fc.oneof(fc.constantFrom('uninvited', 'other', 'link-shared'), fc.string()),
  [F.occurredAt]: time,
  [F.discoveredAt]: time,
  [F.narrative]: fc.string({ maxLength: 3100 }),
  [F.subjects]: fc.oneof(fc.constantFrom('students', 'staff,parents', ''), fc.string()),
  [F.howMany]: fc.oneof(fc.constantFrom('1', '200+'), fc.string()),
  [F.special]: fc.oneof(fc.constantFrom('yes', 'no', 'unsure'), fc.string()),
  [F.meeting]: fc.string({ maxLength: 250 }),
}, { requiredKeys: [] });

test('checkReport never throws; an accepted report happened by now and was noticed no earlier than it happened', () => {
  const { strings } = realContent();
  fc.assert(
    fc.property(values, (v) => {
      const r = checkReport(v as Record<string, string>, NOW, strings);
      if (!r.ok) {
        expect(Object.keys(r.errors).length).toBeGreaterThan(0);
        return;
      }
      expect(r.input.occurredAt.getTime()).toBeLessThanOrEqual(NOW.getTime());
      expect(r.input.discoveredAt.getTime()).toBeLessThanOrEqual(NOW.getTime());
      expect(r.input.discoveredAt.getTime()).toBeGreaterThanOrEqual(r.input.occurredAt.getTime());
      expect(r.input.narrative.length).toBeGreaterThan(0);
      expect(r.input.narrative.length).toBeLessThanOrEqual(3000);
    }),
    { numRuns: 500 },
  );
});
