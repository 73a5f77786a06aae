/**
 * The work one message costs is bounded (issue 11): a 250 KB message of random words was spelling-corrected
 * word by word (seconds of blocked event loop) and every word's stem was cached forever. Only the start of
 * a message is read as the question, and the stem cache has a ceiling. (No timing here: speed is measured
 * in bench/.)
 */
import { loadContent } from '../../../src/content/load.js';
import { GuidanceSearch, MAX_QUESTION_WORDS } from '../../../src/core/guidance/search.js';
import { STEM_CACHE_MAX } from '../../../src/core/guidance/language.js';
import { rng } from '../../helpers/rng.js';

const content = loadContent();

function randomWords(bytes: number, seed: number): string {
  const next = rng(seed);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const out: string[] = [];
  let size = 0;
  while (size < bytes) {
    const length = 3 + Math.floor(next() * 9);
    const word = Array.from({ length }, () => letters[Math.floor(next() * 26)]).join('');
    out.push(word);
    size += length + 1;
  }
  return out.join(' ');
}

test('a 250 KB message of random words leaves the stem cache bounded', () => {
  const search = new GuidanceSearch(content.guidance, content.vocabulary);
  for (let seed = 1; seed <= 3; seed += 1) {
    const flood = randomWords(250 * 1024, seed);
    search.search(flood);
    search.detectPlatform(flood);
    search.detectIntent(flood);
  }
  expect(search.lang.cachedStems).toBeLessThanOrEqual(STEM_CACHE_MAX);
});

test('only the first words of a long message are the question: what comes after them is not searched', () => {
  const search = new GuidanceSearch(content.guidance, content.vocabulary);
  const padding = Array.from({ length: MAX_QUESTION_WORDS }, () => 'please').join(' ');
  expect(search.search('waiting room').hits.length).toBeGreaterThan(0);
  expect(search.search(`${padding} waiting room`).hits).toEqual([]);
  expect(search.detectPlatform(`${padding} on zoom`)).toBeUndefined();
  // A question of ordinary length is read whole.
  expect(search.detectPlatform('how do i set up a waiting room for my class on zoom')).toBe('zoom');
});
