/** When an unanswered alert escalates: working hours in the school's zone, capped by the ICO clock. A table. */
import { addWorkingHours, describeWorkingHours, escalationDue, DEFAULT_WORKING_HOURS as WH } from '../../../src/core/records/report-escalation.js';
import { defaultAwareness, isLate } from '../../../src/core/records/report.js';

const Z = 'Europe/London';
const at = (iso: string) => new Date(iso);

test.each([
  // from (UTC), working hours to add, expected (UTC); Mon–Fri 08:00–17:00 London
  ['Monday 09:00 + 4 h: the same afternoon', '2027-03-01T09:00:00Z', 4, '2027-03-01T13:00:00Z'],
  ['Monday 15:00 + 4 h: 2 h today, 2 h from 08:00 tomorrow', '2027-03-01T15:00:00Z', 4, '2027-03-02T10:00:00Z'],
  ['Monday 06:00 (before opening) + 4 h: from 08:00', '2027-03-01T06:00:00Z', 4, '2027-03-01T12:00:00Z'],
  ['Monday 20:00 (after closing) + 4 h: Tuesday morning', '2027-03-01T20:00:00Z', 4, '2027-03-02T12:00:00Z'],
  ['Friday 16:00 + 4 h: the weekend does not count', '2027-03-05T16:00:00Z', 4, '2027-03-08T11:00:00Z'],
  ['Saturday + 4 h: Monday morning', '2027-03-06T10:00:00Z', 4, '2027-03-08T12:00:00Z'],
  ['across the clock change (BST from 28 March): 08:00 local is 07:00 UTC', '2027-03-26T16:00:00Z', 4, '2027-03-29T10:00:00Z'],
  ['exactly at closing: the next morning', '2027-03-01T17:00:00Z', 1, '2027-03-02T09:00:00Z'],
])('%s', (_name, from, hours, expected) => {
  expect(addWorkingHours(at(from), hours, WH, Z).toISOString()).toBe(at(expected).toISOString());
});

test('no working day at all, or a day that ends before it starts: clock hours', () => {
  expect(addWorkingHours(at('2027-03-01T09:00:00Z'), 4, { days: [], start: '08:00', end: '17:00' }, Z).toISOString()).toBe('2027-03-01T13:00:00.000Z');
  expect(addWorkingHours(at('2027-03-01T09:00:00Z'), 4, { days: ['mon'], start: '17:00', end: '08:00' }, Z).toISOString()).toBe('2027-03-01T13:00:00.000Z');
});

const report = (reportedAt: string, deadlineAt: string) => ({ reportedAt, deadlineAt });
const o = { afterHours: 4, workingHours: WH, zone: Z };

test.each([
  ['Monday morning: deputies after 4 working hours, admins after 8 (at closing)', '2027-03-01T09:00:00Z', '2027-03-04T09:00:00Z', '2027-03-01T13:00:00Z', '2027-03-01T17:00:00Z'],
  ['Friday evening: the weekend would hold it to Monday, so a third of the 72 h (24 h), then two thirds', '2027-03-05T18:00:00Z', '2027-03-08T18:00:00Z', '2027-03-06T18:00:00Z', '2027-03-07T18:00:00Z'],
  ['noticed two days before it was reported (24 h left): a third and two thirds of what was left', '2027-03-01T09:00:00Z', '2027-03-02T09:00:00Z', '2027-03-01T13:00:00Z', '2027-03-01T17:00:00Z'],
  ['already overdue when reported: an hour, then two', '2027-03-06T09:00:00Z', '2027-03-05T09:00:00Z', '2027-03-06T10:00:00Z', '2027-03-06T11:00:00Z'],
])('%s', (_name, reported, deadline, deputies, admins) => {
  const r = report(reported, deadline);
  expect([escalationDue(r, 1, o).toISOString(), escalationDue(r, 2, o).toISOString()]).toEqual([at(deputies).toISOString(), at(admins).toISOString()]);
});

test('the working hours as a person reads them', () => {
  expect(describeWorkingHours(WH)).toBe('Mon–Fri 08:00–17:00');
  expect(describeWorkingHours({ days: ['mon', 'wed'], start: '09:00', end: '15:30' })).toBe('Mon, Wed 09:00–15:30');
});

test('awareness: the earlier of noticed and reported; lateness: at or after the deadline', () => {
  expect(defaultAwareness(at('2027-02-27T10:00:00Z'), at('2027-03-01T09:00:00Z')).toISOString()).toBe('2027-02-27T10:00:00.000Z');
  expect(defaultAwareness(at('2027-03-01T09:02:00Z'), at('2027-03-01T09:00:00Z')).toISOString()).toBe('2027-03-01T09:00:00.000Z');
  const r = { awareAt: '2027-03-01T09:00:00.000Z' };
  expect([isLate(r, at('2027-03-04T08:59:59Z')), isLate(r, at('2027-03-04T09:00:00Z')), isLate(r, at('2027-03-04T09:00:01Z'))]).toEqual([false, true, true]);
});
