// Jest's own order (slowest and last-failed first), except that the whole-run log scan goes last: it reads
// what every other suite logged (test/security/log-scan.test.ts). CI runs one worker, so last means after.
import sequencer from '@jest/test-sequencer';

const Sequencer = sequencer.default ?? sequencer;
const LAST = /[\\/]test[\\/]security[\\/]log-scan\.test\.ts$/;

export default class LogScanLast extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    return [...sorted.filter((t) => !LAST.test(t.path)), ...sorted.filter((t) => LAST.test(t.path))];
  }
}
