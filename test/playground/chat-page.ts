/**
 * Drives the Agents Playground's chat page in Debian's Chromium the way a teacher would: type a message,
 * press a button on a rendered Adaptive Card, read what appeared. Cards are found by the Adaptive Cards
 * renderer's own class (`ac-adaptiveCard`) and buttons by their accessible name (the label the bot sent).
 */
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { depPath } from '../helpers/system-deps.js';

/** Debian's Chromium (/usr/bin/chromium), or SAFECALL_TEST_CHROMIUM. */
export const CHROMIUM = depPath('chromium');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
const CARD = '.ac-adaptiveCard';
/** How long one press may take to get an answer on screen. */
const ANSWER_MS = 10000;
/** How long the second change of one turn (a new message, then the pressed card updated) may lag the first. */
const SAME_TURN_MS = 3000;

export interface ButtonSeen {
  label: string;
  /**
   * The label does not show whole: the renderer ellipsised it (its text box is narrower than its text), or the
   * button runs past the card's inner edge, where the card clips it.
   */
  cutOff: boolean;
  /** The width the button needs for its whole label, in CSS pixels. */
  width: number;
  primary: boolean;
}

export interface CardSeen {
  text: string;
  width: number;
  /** The width inside the card's padding: what a row of buttons has. */
  innerWidth: number;
  /** Items of numbered or bulleted lists: the card says what to do, step by step. */
  listItems: number;
  /** Choices in drop-down menus (Input.ChoiceSet), which the renderer uses where buttons would not fit. */
  options: number;
  buttons: ButtonSeen[];
}

export class ChatPage {
  /** Index (among all cards on the page) of the card the conversation is at. */
  private current = -1;
  /** Whether the last press was answered with a new message rather than by changing the card in place. */
  lastAnswerWasNew = false;

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  static async open(url: string, workDir: string, viewport = { width: 1280, height: 900 }): Promise<ChatPage> {
    const context = await chromium.launchPersistentContext(await mkdtemp(join(workDir, 'chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    // No internet here: the page's web fonts and animations on Microsoft's CDN are refused at once, not retried.
    await page.route((u) => !/^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(u.href), (r) => r.abort());
    await page.goto(url);
    return new ChatPage(context, page);
  }

  /**
   * Waits until the playground has delivered its install activities and every bot message it logged is on
   * screen, so a late welcome cannot be mistaken for an answer.
   */
  async settle(): Promise<void> {
    await this.page.getByText('conversationUpdate 200').first().waitFor({ timeout: ANSWER_MS });
    await this.page.waitForFunction(
      (sel) => {
        const sent = (document.body.innerText.match(/User Application -> Microsoft 365 Agents Playground\s*message 201/g) ?? []).length;
        return sent > 0 && document.querySelectorAll(sel).length >= sent;
      },
      CARD,
      { timeout: ANSWER_MS },
    );
  }

  async cardCount(): Promise<number> {
    return this.page.locator(CARD).count();
  }

  async allCardTexts(): Promise<string[]> {
    return this.page.locator(CARD).allInnerTexts();
  }

  /** Makes the latest card that shows `text` the current one (to press a button on an earlier card). */
  async focusOn(text: string): Promise<void> {
    const texts = await this.allCardTexts();
    const i = texts.map((x) => x.replace(/\s+/g, ' ').includes(text)).lastIndexOf(true);
    if (i < 0) throw new Error(`no card on screen shows "${text}"`);
    this.current = i;
  }

  /** Types into the compose box and waits for the bot's reply card; that card becomes the current one. */
  async say(text: string): Promise<CardSeen> {
    const before = await this.cardCount();
    const box = this.page.locator('[role=textbox][contenteditable=true]');
    await box.click();
    await box.fill(text);
    await this.page.keyboard.press('Enter');
    await this.page.waitForFunction(([sel, n]) => document.querySelectorAll(sel as string).length > (n as number), [CARD, before] as const, { timeout: ANSWER_MS });
    this.current = before;
    return this.read();
  }

  /**
   * Clicks the button labelled `label` on the current card and waits for an answer: the card changed in
   * place, or a new card appeared. The newest card with buttons becomes the current one (a new message with
   * none, like a list to copy, leaves the conversation on the pressed card). Throws if nothing answers.
   */
  async press(label: string): Promise<CardSeen> {
    const card = this.page.locator(CARD).nth(this.current);
    const beforeText = await card.innerText();
    const beforeCount = await this.cardCount();
    await card.getByRole('button', { name: label, exact: true }).click();
    try {
      await this.page.waitForFunction(
        ([sel, i, text, n]) => {
          const cards = document.querySelectorAll<HTMLElement>(sel as string);
          return cards.length > (n as number) || cards[i as number]?.innerText !== text;
        },
        [CARD, this.current, beforeText, beforeCount] as const,
        { timeout: ANSWER_MS },
      );
    } catch {
      throw new Error(`no answer on screen within ${ANSWER_MS} ms after pressing "${label}" on:\n${beforeText}`);
    }
    const count = await this.cardCount();
    this.lastAnswerWasNew = count > beforeCount;
    if (this.lastAnswerWasNew) {
      const cards = this.page.locator(CARD);
      const withButtons = async (i: number) => (await cards.nth(i).locator('.ac-pushButton-content').count()) > 0;
      let next = -1;
      for (let i = count - 1; i >= beforeCount && next < 0; i--) if (await withButtons(i)) next = i;
      if (next >= 0) this.current = next;
      else {
        // Only a message to read or copy (say, the list for IT) came: the conversation goes on in the card that
        // was pressed, which the bot changes in the same turn.
        await this.page
          .waitForFunction(([sel, i, text]) => document.querySelectorAll<HTMLElement>(sel as string)[i as number]?.innerText !== text, [CARD, this.current, beforeText] as const, {
            timeout: SAME_TURN_MS,
          })
          .catch(() => undefined);
        if (!(await withButtons(this.current))) this.current = count - 1;
      }
    }
    return this.read();
  }

  /** The current card, to fill its form's inputs. */
  card() {
    return this.page.locator(CARD).nth(this.current);
  }

  /**
   * Waits until a card shows `text` (a message the bot sent on its own, like a reminder or an alert) and
   * makes the latest such card the current one.
   */
  async waitForCard(text: string, timeout = ANSWER_MS): Promise<CardSeen> {
    await this.page.waitForFunction(
      ([sel, want]) => [...document.querySelectorAll<HTMLElement>(sel)].some((c) => c.innerText.replace(/\s+/g, ' ').includes(want)),
      [CARD, text] as const,
      { timeout },
    );
    await this.focusOn(text);
    return this.read();
  }

  /** Makes the newest card the current one (to read or picture a new message that has no buttons). */
  async toNewest(): Promise<void> {
    this.current = (await this.cardCount()) - 1;
  }

  /** The current card: its text, rendered width and buttons. */
  async read(): Promise<CardSeen> {
    const card = this.page.locator(CARD).nth(this.current);
    return card.evaluate((el: HTMLElement) => {
      const box = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      const innerRight = box.right - parseFloat(style.paddingRight);
      const innerWidth = box.width - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      return {
        text: el.innerText,
        width: box.width,
        innerWidth,
        listItems: el.querySelectorAll('li').length,
        options: el.querySelectorAll('option, [role=option]').length,
        buttons: [...el.querySelectorAll<HTMLElement>('button')]
          .filter((b) => b.querySelector('.ac-pushButton-content'))
          .map((b) => {
            const content = b.querySelector<HTMLElement>('.ac-pushButton-content')!;
            const label = (content.lastElementChild as HTMLElement | null) ?? content;
            const rect = b.getBoundingClientRect();
            const ellipsised = label.scrollWidth > label.clientWidth + 1;
            return {
              label: b.getAttribute('aria-label') ?? b.innerText,
              cutOff: ellipsised || rect.right > innerRight + 1,
              width: Math.round(rect.width + (label.scrollWidth - label.clientWidth)),
              primary: content.classList.contains('primary'),
            };
          }),
      };
    });
  }

  /**
   * A picture of the current card (with a margin): the window grows to fit a tall card,
   * and the mouse moves off so no hover shows.
   */
  async shootCard(path: string): Promise<void> {
    const card = this.page.locator(CARD).nth(this.current);
    const viewport = this.page.viewportSize()!;
    const height = (await card.boundingBox())?.height ?? 0;
    await this.page.mouse.move(0, 0);
    if (height > viewport.height - 250) await this.page.setViewportSize({ width: viewport.width, height: Math.ceil(height) + 300 });
    try {
      const box = await card.boundingBox();
      if (!box) throw new Error('the card is not on screen');
      // Whole pixels and a margin round the card: a tight clip (card width, or a fractional offset) makes
      // Chromium re-lay some cards out in another font, showing faults the teacher never sees.
      const x = Math.max(0, Math.floor(box.x) - 90);
      const y = Math.max(0, Math.floor(box.y) - 8);
      const right = Math.min(this.page.viewportSize()!.width, Math.ceil(box.x + box.width) + 90);
      const clip = { x, y, width: right - x, height: Math.ceil(box.y + box.height) + 8 - y };
      await this.page.screenshot({ path, clip });
    } finally {
      await this.page.setViewportSize(viewport);
    }
  }

  async shootPage(path: string): Promise<void> {
    await this.page.screenshot({ path });
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

