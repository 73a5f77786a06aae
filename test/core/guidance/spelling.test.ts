/** Spelling correction (src/core/guidance/spelling.ts) on a small made-up dictionary: how far a word is corrected by its length. */
import { Speller } from '../../../src/core/guidance/spelling.js';

const counts = new Map(Object.entries({ waiting: 5, room: 9, record: 4, recording: 6, screen: 7, sharing: 3, passcode: 4, lobby: 2, roam: 1, look: 2, people: 3, mute: 4 }));
const pairs = new Set(['waiting room', 'screen sharing']);
const stops = new Set(['the', 'my', 'in', 'a']);
const speller = new Speller(counts, pairs, {
  isStop: (w) => stops.has(w),
  isKnown: (w) => w === 'looking',
  shorthand: { ppl: 'people', b4: 'before' },
});
const fix = (text: string) =>
  speller
    .correct(text.split(' '))
    .map((c) => c.word)
    .join(' ');

test.each([
  ['recrod', 'record', 'two letters swapped count as one edit'],
  ['recordng', 'recording', 'a letter missing'],
  ['pascode', 'passcode', 'a letter missing'],
  ['wiating rom', 'waiting room', 'a short word is corrected when the correction makes a pair the content has'],
  ['screensharing', 'screen sharing', 'two words typed without the space'],
  ['mtue', 'mute', 'a four-letter word corrected by a swap'],
  ['ppl in the lobby', 'people in the lobby', 'shorthand'],
  ['b4 the lesson', 'before the lesson', 'shorthand with a digit'],
])('%s → %s (%s)', (typed, meant) => expect(fix(typed)).toBe(meant));

test.each([
  ['rom', 'a three-letter word with no pair to confirm it'],
  ['mte', 'a three-letter word with no pair to confirm it'],
  ['looking', 'another form of a known word'],
  ['the', 'a stop word'],
  ['9b', 'a word with a digit (a class name)'],
  ['zzzzzz', 'nothing near'],
])('%s is left as it is (%s)', (typed) => expect(speller.correct([typed])).toEqual([{ word: typed, corrected: false }]));

test('a corrected word says so; a known one does not', () => {
  expect(speller.correct(['recrod', 'room'])).toEqual([
    { word: 'record', corrected: true },
    { word: 'room', corrected: false },
  ]);
});
