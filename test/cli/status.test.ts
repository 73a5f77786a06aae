/**
 * `safecall status` over a real data directory held by a writer: counts of people, reports, the outbox and
 * timers, and never a name or a word of a report.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { openLowdbStore } from '../../src/store/lowdb-store.js';
import { storeOutbox, storeTimers } from '../../src/core/schedule/store-ports.js';
import { systemClock } from '../../src/core/ports.js';
import { markFailing, markWorking } from '../../src/core/dpo.js';

const run = (argv: string[]) => runCli(argv);

test('status counts reports, the outbox by status and timers, with no names or report text', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'safecall-status-'));
  const store = await openLowdbStore(dir);
  try {
    const at = '2026-12-01T10:00:00.000Z';
    await store.users.put('slack:U1', { platform: 'slack', id: 'U1', name: 'Ms Secret Name', firstSeen: at, lastSeen: at });
    const report = { ref: 'INC-2026-0001', reporter: { platform: 'slack' as const, id: 'U1', name: 'Ms Secret Name' }, reportedAt: at, status: 'open' };
    await store.reports.put(report.ref, report as never);
    await store.reports.put('INC-2026-0002', { ...report, ref: 'INC-2026-0002', status: 'closed', closedAt: at } as never);
    const outbox = storeOutbox(store, systemClock);
    const prompt = { fallback: 'A private narrative', blocks: [] };
    await outbox.enqueue([
      { key: 'a', kind: 'test.one', to: { platform: 'slack', userId: 'U1' }, prompt },
      { key: 'b', kind: 'test.one', to: { platform: 'slack', userId: 'U2' }, prompt },
    ]);
    await outbox.cancel('b');
    await storeTimers(store, systemClock).set({ key: 't1', kind: 'test.timer', dueAt: new Date(at) });

    const { code, out } = await run(['status', '--data-dir', dir]);
    expect(code).toBe(0);
    expect(out).toContain('People the bot has met: 1 on Slack, 0 on Teams');
    expect(out).toContain('Incident reports: 1 open, 1 closed');
    expect(out).toMatch(/Messages in the outbox: (1 queued, 1 cancelled|1 cancelled, 1 queued)/);
    expect(out).toContain('Timers set (deadlines, snoozes, "remind me before my call"): 1');
    expect(out).not.toMatch(/Secret|narrative/);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('status and reminders report refuse a directory that holds no SafeCall data, instead of showing an empty school', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'safecall-nodata-'));
  try {
    for (const argv of [['status', '--data-dir', dir], ['reminders', 'report', '--term', 'Autumn 2026', '--data-dir', dir]]) {
      const r = await run(argv);
      expect([argv[0], r.code, r.err]).toEqual([argv[0], 1, expect.stringContaining(`No SafeCall data in ${dir}`)]);
      expect(r.out).toBe('');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('status says whether incident alerts can reach the DPO, and what to fix, from the settings file and what the server met', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'safecall-status-route-'));
  const settings = join(dir, 'settings.yaml');
  const store = await openLowdbStore(dir);
  try {
    writeFileSync(settings, 'slack:\n  admins: [U0ADMIN]\n  dpoChannel: C0DPO\n');
    // What the server recorded when its alert to the channel was refused.
    await markFailing(store, { platform: 'slack', conversationId: 'C0DPO' }, 'not_in_channel', 'incident.alert:INC-2027-0001:slack:C0DPO', new Date('2027-03-01T09:00:00Z'));
    const broken = await run(['status', '--data-dir', dir, '--settings', settings]);
    expect(broken.code).toBe(0);
    expect(broken.out).toMatch(/Incident alerts: PROBLEM: SafeCall is not in the Slack channel C0DPO.*\/invite @SafeCall/);
    const json = JSON.parse((await run(['status', '--data-dir', dir, '--settings', settings, '--json'])).out) as { incidentAlerts: { ok: boolean; problems: { destination: string; waiting: number }[] } };
    expect(json.incidentAlerts).toMatchObject({ ok: false, problems: [{ destination: 'slack:C0DPO', waiting: 1 }] });

    // No DPO named at all: said too.
    writeFileSync(settings, 'slack:\n  admins: [U0ADMIN]\n');
    expect((await run(['status', '--data-dir', dir, '--settings', settings])).out).toMatch(/Incident alerts: PROBLEM: No DPO destination is set/);

    // Fixed: once a send there got through, nothing to say.
    writeFileSync(settings, 'slack:\n  admins: [U0ADMIN]\n  dpoChannel: C0DPO\n');
    await markWorking(store, { platform: 'slack', conversationId: 'C0DPO' }, new Date('2027-03-01T09:06:00Z'));
    expect((await run(['status', '--data-dir', dir, '--settings', settings])).out).toContain('Incident alerts: the route to the DPO has no known problem');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
