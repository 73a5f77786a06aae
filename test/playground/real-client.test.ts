/**
 * SafeCall on Microsoft's own local Teams client: the Microsoft 365 Agents Playground, driven in Debian's
 * Chromium. A teacher's first minutes are walked by clicking the rendered Adaptive Cards: the guided setup
 * from "how do I secure my class call" to the checklist, and the emergency path. Button labels come from
 * content/ through the content loader, and the setup is walked generically (press the step's Done until the
 * checklist shows), so wording and step counts can change without touching this test.
 *
 * Screenshots and a report (card width, presses, cut-off labels) go to test-output/playground/ (git-ignored).
 * Needs Chromium (`npm test` installs it, or skips this with the reason: test/helpers/system-deps.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { loadEnv, parseSettings } from '../../src/config.js';
import { loadContent } from '../../src/content/load.js';
import { createLogger } from '../../src/log.js';
import { start, type Running } from '../../src/main.js';
import { startPlayground, type Playground } from './agents-playground.js';
import { ChatPage, type CardSeen } from './chat-page.js';
import { needs } from '../helpers/system-deps.js';

const OUT = resolve(new URL('../..', import.meta.url).pathname, 'test-output/playground');
const SCHOOL = 'Hillside Primary';
const MAX_PRESSES = 40;
const NEW_TEACHER = fileURLToPath(new URL('./new-teacher.m365agentsplayground.yml', import.meta.url));

needs('chromium');

const { strings, guidance } = loadContent();
const t = strings.t.bind(strings);
/** What a card shows for a string: the renderer turns **bold** and _italic_ into formatting. */
const plain = (s: string) => s.replace(/\*\*|__|(?<!\w)_|_(?!\w)|`/g, '').replace(/\s+/g, ' ').trim();
const flat = (s: string) => s.replace(/\s+/g, ' ');

const LABEL = {
  platform: t('setup.buttons.zoom'),
  kind: t('setup.kinds.class'),
  account: [t('setup.buttons.leaveAccount'), t('setup.buttons.includeAccount')],
  done: t('setup.buttons.done'),
  doneAlternative: t('setup.buttons.doneAlternative'),
  report: t('setup.buttons.report'),
};

interface Report {
  viewport: { width: number; height: number };
  cardWidth: Record<string, number>;
  welcomes?: number;
  setup?: { presses: number; stepCards: number; doubleProgress: number; checklistListItems: number; pressed: string[] };
  emergency: Record<string, { firstReplyListItems: number; firstReplyButtons: string[]; presses: number; reportIsNewMessage: boolean }>;
  /** Inside the card's padding: the room a button row has. */
  cardInnerWidth?: number;
  /** Labels that do not show whole, by the picture they are in, with the width each needs. */
  cutOff: Record<string, { label: string; width: number }[]>;
  /** Log lines at warn level or above while the client was in use. */
  warnings?: number;
}

let work: string;
let bot: Running;
let playground: Playground;
let chat: ChatPage;
const logs: string[] = [];
const report: Report = { viewport: { width: 1280, height: 900 }, cardWidth: {}, emergency: {}, cutOff: {} };
const seen: (CardSeen & { picture: string })[] = [];
let shot = 0;

const picture = (name: string) => join(OUT, `${String(++shot).padStart(2, '0')}-${name}.png`);

/** Remembers a card for the width and cut-off checks, and saves its picture (named by its step, if any). */
async function record(card: CardSeen, name: string, on: ChatPage = chat): Promise<CardSeen> {
  const step = card.text.match(/Step (\d+) of (\d+)/);
  const file = picture(step ? `step-${step[1]}-of-${step[2]}` : name);
  seen.push({ ...card, picture: basename(file) });
  const cut = card.buttons.filter((b) => b.cutOff).map((b) => ({ label: b.label, width: b.width }));
  if (cut.length) report.cutOff[basename(file)] = cut;
  await on.shootCard(file);
  return card;
}

/**
 * "someone is zoombombing my lesson": the reply must lead to the Zoom playbook (at most one tap, on the
 * platform), and "Report what happened" must answer. Returns the first reply.
 */
async function emergency(tag: string, on: ChatPage = chat): Promise<CardSeen> {
  const zoomSteps = guidance.byId.get('zoombombing-response')!.platforms.zoom.steps;
  const first = await record(await on.say('someone is zoombombing my lesson'), `${tag}-reply`, on);
  expect(flat(first.text)).toContain(plain(t('setup.now.heading')));
  const seenHere = { firstReplyListItems: first.listItems, firstReplyButtons: first.buttons.map((b) => b.label), presses: 0, reportIsNewMessage: false };
  report.emergency[tag] = seenHere;
  let playbook = first;
  if (!flat(first.text).includes(plain(zoomSteps[0]!)) && has(first, LABEL.platform)) {
    playbook = await record(await on.press(LABEL.platform), `${tag}-zoom`, on);
    seenHere.presses++;
  }
  // What to do, in order: the Zoom playbook's steps as the content words them.
  for (const step of zoomSteps.slice(0, 2)) expect(flat(playbook.text)).toContain(plain(step));
  expect(playbook.listItems).toBeGreaterThanOrEqual(zoomSteps.length);
  await on.shootPage(picture(`${tag}-page`));

  expect(has(playbook, LABEL.report)).toBe(true);
  await on.press(LABEL.report);
  seenHere.presses++;
  seenHere.reportIsNewMessage = on.lastAnswerWasNew;
  // "Report what happened" is a new message: the playbook stays on screen above it.
  expect(on.lastAnswerWasNew).toBe(true);
  // The advice is that new message (it has no button of its own, so it is read and pictured as the newest card),
  // not the playbook whose button has the same words as the advice's heading.
  await on.toNewest();
  const reported = await record(await on.read(), `${tag}-report`, on);
  expect(flat(reported.text)).toContain(plain(t('setup.report.lead')));
  expect(flat(reported.text)).toContain(plain(guidance.byId.get('breach-procedure')!.platforms.zoom.steps[0]!));
  expect(reported.buttons.map((b) => b.label)).not.toContain(LABEL.report);
  expect(flat((await on.allCardTexts()).join('\n'))).toContain(plain(zoomSteps[0]!));
  return first;
}

const has = (card: CardSeen, label: string) => card.buttons.some((b) => b.label === label);

describe('SafeCall in the Microsoft 365 Agents Playground (Chromium)', () => {
  beforeAll(async () => {
    await mkdir(OUT, { recursive: true });
    // Only this walk's pictures: reports-reminders.test.ts writes its reports-*.png here at the same time.
    for (const f of await readdir(OUT)) if (!f.startsWith('reports-')) await rm(join(OUT, f), { recursive: true, force: true });
    work = await mkdtemp(join(tmpdir(), 'safecall-playground-'));
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    bot = await start({
      // A school set up as the README says: with a data key and a DPO named, so the start-up logs no warning
      // about reports at rest or about incident alerts with nowhere to go (the DPO is not this teacher).
      env: loadEnv({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: join(work, 'data'), LOG_LEVEL: 'info', SAFECALL_DATA_KEY: randomBytes(32).toString('base64') }),
      settings: parseSettings(`school:\n  name: ${SCHOOL}\nteams:\n  dpo: [aad-dpo-office]\n`, 'test settings'),
      log: createLogger('info', sink),
      print: () => undefined,
    });
    playground = await startPlayground(`${bot.url}/api/messages`, work);
    try {
      chat = await ChatPage.open(playground.url, work, report.viewport);
      await chat.settle();
    } catch (err) {
      throw new Error(`the Agents Playground page did not come up: ${(err as Error).message}\nPlayground output:\n${playground.output()}`);
    }
  }, 60000);

  afterAll(async () => {
    report.warnings = logs.filter((l) => (JSON.parse(l) as { level: number }).level >= 40).length;
    await mkdir(OUT, { recursive: true });
    await writeFile(join(OUT, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`Agents Playground walk: ${JSON.stringify(report)}`);
    await chat?.close();
    await playground?.stop();
    await bot?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  }, 30000);

  test('the client connects and shows the welcome card with the school name', async () => {
    const welcome = t('help.welcome', { school: SCHOOL });
    const cards = await chat.allCardTexts();
    report.welcomes = cards.filter((c) => flat(c).includes(welcome)).length;
    // The client sends both installationUpdate and conversationUpdate on install: one welcome, not two.
    expect(report.welcomes).toBe(1);
    await chat.shootPage(picture('welcome-page'));
  });

  test('the topics card from the welcome answers in the client', async () => {
    await chat.focusOn(t('help.welcome', { school: SCHOOL }));
    const topics = await record(await chat.press(t('help.buttons.topics')), 'topics');
    expect(topics.buttons.length + topics.options).toBeGreaterThan(3);
  });

  test('guided setup: every click answers, and pressing each step\'s Done leads to the checklist', async () => {
    const checklist = plain(t('setup.summary.heading'));
    let card = await record(await chat.say('how do I secure my class call'), 'asked');
    const pressed: string[] = [];
    let presses = 0;
    let stepCards = 0;
    let doubleProgress = 0;
    while (!flat(card.text).includes(checklist)) {
      if (presses >= MAX_PRESSES) throw new Error(`no checklist after ${MAX_PRESSES} presses; the card shows:\n${card.text}`);
      let label: string | undefined;
      let name: string;
      const done = [LABEL.done, LABEL.doneAlternative].find((l) => has(card, l));
      if (done) [label, name] = [done, 'step'];
      else if (has(card, LABEL.platform)) [label, name] = [LABEL.platform, 'platform'];
      else if (has(card, LABEL.kind)) [label, name] = [LABEL.kind, 'kind'];
      else if ((label = LABEL.account.find((l) => has(card, l)))) name = 'account';
      else {
        // A renamed Done (or a step's own action, like passing a list to IT) is the step's primary button.
        label = card.buttons.find((b) => b.primary)?.label;
        name = 'step';
      }
      if (name === 'step') {
        stepCards++;
        // Progress once: one "Step 3 of 9", with no (3/9) or dots (●●●○○) beside it.
        if ((card.text.match(/\b\d+ of \d+\b|\(\d+\/\d+\)|[●○]/g) ?? []).length > 1) doubleProgress++;
        name = `step-${stepCards}`;
      }
      if (!label) throw new Error(`the setup card offers nothing to press on the way to the checklist:\n${card.text}`);
      card = await record(await chat.press(label), `after-${name}`);
      pressed.push(label);
      presses++;
    }
    report.setup = { presses, stepCards, doubleProgress, checklistListItems: card.listItems, pressed };
    await chat.shootPage(picture('checklist-page'));
    // A teacher SafeCall has never seen is asked the platform and the kind of call, then walks the steps.
    expect(pressed).toEqual(expect.arrayContaining([LABEL.platform, LABEL.kind]));
    expect(stepCards).toBeGreaterThan(0);
    expect(doubleProgress).toBe(0);
    // Issue 12's target for a first-time teacher: at most 15 presses from the question to the checklist.
    expect(presses).toBeLessThanOrEqual(15);
    // The checklist lists what was done.
    expect(card.text).toMatch(/✅/);
  }, 90000);

  test('emergency after a Zoom setup: the first reply already says what to do on Zoom, with no tap', async () => {
    const zoomSteps = guidance.byId.get('zoombombing-response')!.platforms.zoom.steps;
    const first = await emergency('emergency-known');
    expect(flat(first.text)).toContain(plain(zoomSteps[0]!));
    expect(report.emergency['emergency-known']!.presses).toBe(1);
  }, 60000);

  test('emergency for a teacher SafeCall has never seen (platform not known): one tap on Zoom gives the playbook', async () => {
    const second = await startPlayground(`${bot.url}/api/messages`, work, NEW_TEACHER);
    try {
      const page = await ChatPage.open(second.url, await mkdtemp(join(work, 'second-')), report.viewport);
      try {
        await page.settle();
        const first = await emergency('emergency-new', page);
        // Useful before any tap: the first reply already says what to do, whatever the platform.
        expect(first.listItems).toBeGreaterThanOrEqual(3);
        expect(report.emergency['emergency-new']!.presses).toBeLessThanOrEqual(2);
      } finally {
        await page.close();
      }
    } finally {
      await second.stop();
    }
  }, 60000);

  test('the card width is measured, and no setup or emergency button label is cut off at the card\'s edge', async () => {
    expect(seen.length).toBeGreaterThan(3);
    const widths = [...new Set(seen.map((c) => Math.round(c.width)))];
    report.cardWidth[`viewport ${report.viewport.width}`] = Math.max(...widths);
    report.cardInnerWidth = Math.round(Math.max(...seen.map((c) => c.innerWidth)));
    for (const width of [1920, 1024]) {
      await chat.page.setViewportSize({ width, height: report.viewport.height });
      report.cardWidth[`viewport ${width}`] = Math.round((await chat.read()).width);
    }
    await chat.page.setViewportSize(report.viewport);
    expect(Math.max(...widths)).toBeGreaterThan(200);
    const walked = seen.filter((c) => !/topics/.test(c.picture)).flatMap((c) => c.buttons.filter((b) => b.cutOff).map((b) => `${c.picture}: ${b.label}`));
    expect(walked).toEqual([]);
  });

  // Issue 12: every topic once, one kind of control (a button each, no menu), no label cut off at the card's edge.
  test('the topics card shows every topic as a button, each label whole', () => {
    const topics = seen.filter((c) => /topics/.test(c.picture));
    expect(topics.length).toBeGreaterThan(0);
    for (const card of topics) {
      expect(card.options).toBe(0);
      expect(card.buttons.filter((b) => !b.primary)).toHaveLength(guidance.items.length);
    }
    expect(topics.flatMap((c) => c.buttons.filter((b) => b.cutOff).map((b) => b.label))).toEqual([]);
  });

  test('a real client\'s session logs no warning or error (its GET probe of /api/messages included)', () => {
    const loud = logs.map((l) => JSON.parse(l) as { level: number; msg?: string }).filter((l) => l.level >= 40);
    expect(loud.map((l) => l.msg)).toEqual([]);
  });

  test('nothing the teacher typed reaches the logs', () => {
    const text = logs.join('\n');
    expect(text).not.toMatch(/zoombombing my lesson/);
    expect(text).not.toMatch(/secure my class call/);
  });
});
