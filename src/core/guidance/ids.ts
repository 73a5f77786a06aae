/**
 * The action ids of the guidance answers, defined once. Every id starts with `guide.`, the prefix the
 * guide feature owns. Values are JSON (see answer.ts: AnswerState) unless noted.
 */
export const GUIDE_PREFIX = 'guide';

export const GUIDE_ACTIONS = {
  /** "Next match": value AnswerState with the page to show. */
  more: 'guide.more',
  /** A platform chosen: value AnswerState with the platform; the choice is remembered. */
  platform: 'guide.platform',
  /** "Pick my platform": value AnswerState; shows the same answer with the platform choice. */
  pick: 'guide.pick',
  /** "Show all topics": value ignored. */
  topics: 'guide.topics',
  /** One topic from the topic list's menus: value is the item id. */
  show: 'guide.show',
} as const;

export type GuideAction = (typeof GUIDE_ACTIONS)[keyof typeof GUIDE_ACTIONS];
