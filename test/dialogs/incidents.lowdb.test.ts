/** Over the real embedded store: 50 reports at once get 50 references, and each is there when the store is opened again (the SIGKILL test is test/e2e/reports-crash). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLowdbStore } from '../../src/store/lowdb-store.js';
import { World, PEOPLE, DM, formOf, goodValues, silent } from './incidents.harness.js';

test('50 concurrent submissions over lowdb: 50 distinct references, all there when the store is opened again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'safecall-incidents-'));
  try {
    const store = await openLowdbStore(dir, { log: silent });
    const w = new World({ store });
    const forms = await Promise.all(Array.from({ length: 50 }, () => w.command(PEOPLE.pupil, DM, 'report')));
    const confirmed = await Promise.all(forms.map((f) => w.submit(PEOPLE.pupil, DM, formOf(f), goodValues(w.now))));
    const refs = confirmed.map((r) => /INC-2027-\d{4}/.exec(JSON.stringify(r))![0]).sort();
    expect(new Set(refs).size).toBe(50);
    expect(refs).toEqual(Array.from({ length: 50 }, (_, i) => `INC-2027-${String(i + 1).padStart(4, '0')}`));
    await store.close();
    const reopened = await openLowdbStore(dir, { readOnly: true });
    try {
      expect((await reopened.reports.list()).map((r) => r.ref).sort()).toEqual(refs);
    } finally {
      await reopened.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
