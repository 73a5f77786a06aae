/**
 * Incident reports and the term-end reminder in Microsoft's own local Teams client (the Agents Playground, in
 * Debian's Chromium), whose cards are a phone's width. One teacher who is also the data protection lead: "set dpo
 * channel" makes the chat the DPO's, so the report form, the refusal, the confirmation, "my reports", the DPO
 * alert and the reminder all show in one chat. The form is filled and sent by clicking and typing in the
 * rendered Adaptive Card; the reminder comes from the server's own scheduler, ticked with a fixed clock.
 *
 * Screenshots go to test-output/playground/reports-*.png (git-ignored). Needs Chromium (`npm test` installs
 * it, or skips this with the reason: test/helpers/system-deps.ts).
 */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { DateTime } from 'luxon';
import { loadEnv, parseSettings } from '../../src/config.js';
import { loadContent } from '../../src/content/load.js';
import { createLogger } from '../../src/log.js';
import { start, type Running } from '../../src/main.js';
import { MAX_BUTTON_LABEL } from '../../src/teams/render.js';
import { startPlayground, type Playground } from './agents-playground.js';
import { ChatPage, type CardSeen } from './chat-page.js';
import { needs } from '../helpers/system-deps.js';

const OUT = resolve(new URL('../..', import.meta.url).pathname, 'test-output/playground');
const DPO_TEACHER = fileURLToPath(new URL('./dpo-teacher.m365agentsplayground.yml', import.meta.url));
/** The aadObjectId of the playground's current user in that file. */
const DPO_AAD = '00000000-0000-0000-0000-0000000000098';
const ZONE = 'Europe/London';
/**
 * The playground's page does not work narrower (its side panel covers the chat below about 1000 px), so the
 * window is a desktop's; its cards are about 446 px wide, a phone's width.
 */
const WINDOW = { width: 1280, height: 900 };

needs('chromium');

const { strings } = loadContent();
const t = strings.t.bind(strings);
const plain = (s: string) => s.replace(/\*\*|__|(?<!\w)_|_(?!\w)|`/g, '').replace(/\s+/g, ' ').trim();
const flat = (s: string) => s.replace(/\s+/g, ' ');

// The school's morning today, whatever the time of the run: the term ends today, and its reminder must not be
// due yet when the server starts (before the Playground's chat exists), only once the test moves the clock.
const today = DateTime.now().setZone(ZONE).startOf('day');
let now = today.set({ hour: 9 }).toJSDate();
const clock = { now: () => now };
const TERM = 'Autumn 2026';

let work: string;
let bot: Running;
let playground: Playground;
let chat: ChatPage;
const logs: string[] = [];
const seen: { picture: string; card: CardSeen }[] = [];
let shot = 0;

async function record(card: CardSeen, name: string): Promise<CardSeen> {
  const file = join(OUT, `reports-${String(++shot).padStart(2, '0')}-${name}.png`);
  seen.push({ picture: file, card });
  await chat.shootCard(file);
  return card;
}

const NARRATIVE = 'A stranger joined our 7B science call and shared their screen';

describe('incident reports and the term-end reminder in the Agents Playground (Chromium)', () => {
  beforeAll(async () => {
    await mkdir(OUT, { recursive: true });
    for (const f of await readdir(OUT)) if (f.startsWith('reports-')) await rm(join(OUT, f));
    work = await mkdtemp(join(tmpdir(), 'safecall-playground-reports-'));
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const settings = [
      'school:',
      '  name: Hillside Primary',
      `  timezone: ${ZONE}`,
      'teams:',
      `  dpo: ["${DPO_AAD}"]`,
      'terms:',
      `  - { name: ${TERM}, start: 2026-09-02, end: ${today.toISODate()} }`,
      '',
    ].join('\n');
    bot = await start({
      env: loadEnv({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: join(work, 'data'), LOG_LEVEL: 'info' }),
      settings: parseSettings(settings, 'test settings'),
      clock,
      log: createLogger('info', sink),
      print: () => undefined,
    });
    playground = await startPlayground(`${bot.url}/api/messages`, work, DPO_TEACHER);
    try {
      chat = await ChatPage.open(playground.url, work, WINDOW);
      await chat.settle();
    } catch (err) {
      throw new Error(`the Agents Playground page did not come up: ${(err as Error).message}\nPlayground output:\n${playground.output()}`);
    }
  }, 60000);

  afterAll(async () => {
    const loud = logs.filter((l) => (JSON.parse(l) as { level: number }).level >= 40);
    if (loud.length) console.warn(loud.join('\n'));
    await chat?.close();
    await playground?.stop();
    await bot?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  }, 30000);

  test('the DPO makes this chat the alerts chat', async () => {
    const done = await record(await chat.say('set dpo channel'), 'dpo-chat-set');
    expect(flat(done.text)).toContain(plain(t('reports.dpo.setTeams')));
  });

  test('report: a form missing a required answer is refused with what was typed kept; sent properly, it is confirmed with its reference and the DPO is alerted', async () => {
    const form = await record(await chat.say('report'), 'form');
    expect(flat(form.text)).toContain(plain(t('reports.form.title')));
    const category = t('reports.form.categories.uninvited');
    const meeting = '7B science, Tuesday';
    // The client's own controls: a drop-down is a combobox with options, and it fills in today and now itself.
    await chat.card().getByRole('combobox', { name: t('reports.form.category') }).click();
    await chat.page.getByRole('option', { name: category, exact: true }).click();
    await chat.card().getByLabel(t('reports.form.meeting'), { exact: true }).fill(meeting);

    // Sent without saying what happened (required): refused, and what was typed is still there.
    const refused = await record(await chat.press(t('reports.form.submit')), 'form-refused');
    expect(flat(refused.text)).toContain(plain(t('reports.errors.required')));
    expect(await chat.card().getByLabel(t('reports.form.meeting'), { exact: true }).inputValue()).toBe(meeting);
    const chosen = chat.card().getByRole('combobox', { name: t('reports.form.category') });
    expect(flat((await chosen.textContent()) || (await chosen.inputValue().catch(() => '')))).toContain(category);

    // Its label carries the client's required mark (*): the first text box is "What happened, in your words".
    await chat.card().locator('textarea').first().fill(NARRATIVE);
    await chat.press(t('reports.form.submit'));
    const confirmed = await record(await chat.waitForCard(plain(t('reports.confirm.heading'))), 'confirmation');
    const ref = flat(confirmed.text).match(/INC-\d{4}-\d{4}/)?.[0];
    expect(ref).toBeDefined();

    // The alert waits in the durable outbox for the scheduler's next pass (every minute by default): flushed
    // here rather than waited for.
    await bot.scheduler.flush();
    const alert = await record(await chat.waitForCard(plain(t('reports.alert.heading', { ref: ref! }))), 'dpo-alert');
    expect(flat(alert.text)).toContain(category);
    expect(flat(alert.text)).toContain(NARRATIVE);
    expect(alert.buttons.map((b) => b.label)).toContain(t('reports.buttons.acknowledge'));

    const mine = await record(await chat.say('my reports'), 'my-reports');
    expect(flat(mine.text)).toContain(ref!);

    await chat.focusOn(plain(t('reports.alert.heading', { ref: ref! })));
    const acked = await record(await chat.press(t('reports.buttons.acknowledge')), 'dpo-alert-acknowledged');
    expect(acked.buttons.map((b) => b.label)).not.toContain(t('reports.buttons.acknowledge'));
    expect(flat(acked.text)).toContain(t('reports.status.acknowledged'));
  }, 90000);

  test('the term-end reminder comes as a DM from the scheduler, and Done answers it', async () => {
    now = today.set({ hour: 15, minute: 1 }).toJSDate();
    await bot.scheduler.tick();
    await bot.scheduler.idle();
    const heading = plain(t('reminders.termEnd.heading', { term: TERM }));
    const reminder = await record(await chat.waitForCard(heading), 'reminder');
    for (const key of ['done', 'snooze', 'none', 'stop']) expect(reminder.buttons.map((b) => b.label)).toContain(t(`reminders.termEnd.buttons.${key}`));
    const done = await record(await chat.press(t('reminders.termEnd.buttons.done')), 'reminder-done');
    expect(flat(done.text)).toContain(plain(t('reminders.answered.done')));
  }, 60000);

  test('no button label is cut off at the card\'s edge, and each is within the label limit', () => {
    expect(seen.length).toBeGreaterThan(5);
    const cut = seen.flatMap((s) => s.card.buttons.filter((b) => b.cutOff).map((b) => `${s.picture}: ${b.label}`));
    expect(cut).toEqual([]);
    const long = seen.flatMap((s) => s.card.buttons.filter((b) => b.label.length > MAX_BUTTON_LABEL).map((b) => b.label));
    expect(long).toEqual([]);
  });

  test('nothing the reporter typed reaches the logs', () => {
    expect(logs.join('\n')).not.toContain('stranger joined');
  });
});
