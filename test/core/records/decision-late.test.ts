/** When an ICO decision is late: one judge, from when the school became aware, used by the form and its check alike. */
import { icoDeadline, isLate } from '../../../src/core/records/report.js';

const aware = { awareAt: '2027-03-01T09:00:00.000Z' };

test('the deadline is 72 hours after the school became aware', () => {
  expect(icoDeadline(aware).toISOString()).toBe('2027-03-04T09:00:00.000Z');
});

test.each([
  ['a minute before the deadline', '2027-03-04T08:59:00.000Z', false],
  ['at the deadline itself (overdue then)', '2027-03-04T09:00:00.000Z', true],
  ['a minute after', '2027-03-04T09:01:00.000Z', true],
  ['a day early', '2027-03-03T09:00:00.000Z', false],
])('a decision %s is late: %s', (_name, at, late) => {
  expect(isLate(aware, new Date(at))).toBe(late);
});

test('a moved awareness time moves lateness with it', () => {
  expect(isLate({ awareAt: '2027-02-27T09:00:00.000Z' }, new Date('2027-03-02T09:00:00.000Z'))).toBe(true);
});
