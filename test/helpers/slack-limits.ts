/**
 * Checks a rendered Slack message (`{ text, blocks }`) or view (`{ type: 'modal' | 'home', … }`) against
 * Slack's documented Block Kit limits (src/slack/limits.ts). `slackLimitProblems` lists what is wrong;
 * `expectWithinSlackLimits` fails the test with that list.
 */
import * as L from '../../src/slack/limits.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function slackLimitProblems(messageOrView: unknown): string[] {
  const root = obj(messageOrView);
  const problems: string[] = [];
  const fail = (where: string, what: string) => problems.push(`${where}: ${what}`);
  const isView = root.type === 'modal' || root.type === 'home';
  const blocks = arr(root.blocks);
  const actionIds = new Map<string, number>();
  const blockIds = new Set<string>();

  const text = (where: string, t: unknown, max: number, kind?: 'plain_text' | 'mrkdwn') => {
    const o = obj(t);
    if (kind && o.type !== kind) fail(where, `must be a ${kind} text object`);
    if (o.type !== 'plain_text' && o.type !== 'mrkdwn') fail(where, 'not a text object');
    const s = str(o.text);
    if (s.trim() === '') fail(where, 'empty text');
    if (s.length > max) fail(where, `text is ${s.length} characters (max ${max})`);
  };
  const option = (where: string, o: unknown) => {
    text(`${where}.text`, obj(o).text, L.MAX_OPTION_TEXT);
    const value = str(obj(o).value);
    if (value.length > L.MAX_OPTION_VALUE) fail(where, `value is ${value.length} characters (max ${L.MAX_OPTION_VALUE})`);
  };
  const element = (where: string, e: Json) => {
    const id = str(e.action_id);
    if (!id) fail(where, 'no action_id');
    if (id.length > L.MAX_ACTION_ID) fail(where, `action_id over ${L.MAX_ACTION_ID}`);
    actionIds.set(id, (actionIds.get(id) ?? 0) + 1);
    if (e.placeholder !== undefined) text(`${where}.placeholder`, e.placeholder, L.MAX_PLACEHOLDER, 'plain_text');
    switch (e.type) {
      case 'button':
        text(`${where}.text`, e.text, L.MAX_BUTTON_TEXT, 'plain_text');
        if (str(e.value).length > L.MAX_BUTTON_VALUE) fail(where, `value over ${L.MAX_BUTTON_VALUE}`);
        if (str(e.url).length > L.MAX_BUTTON_URL) fail(where, `url over ${L.MAX_BUTTON_URL}`);
        break;
      case 'static_select':
      case 'multi_static_select': {
        const options = arr(e.options);
        const groups = arr(e.option_groups);
        if (options.length && groups.length) fail(where, 'both options and option_groups');
        if (!options.length && !groups.length) fail(where, 'no options');
        if (options.length > L.MAX_SELECT_OPTIONS) fail(where, `${options.length} options (max ${L.MAX_SELECT_OPTIONS})`);
        if (groups.length > L.MAX_OPTION_GROUPS) fail(where, `${groups.length} option groups`);
        const all = [...options, ...groups.flatMap((g, gi) => {
          const gOptions = arr(obj(g).options);
          text(`${where}.option_groups[${gi}].label`, obj(g).label, L.MAX_OPTION_GROUP_LABEL, 'plain_text');
          if (gOptions.length > L.MAX_SELECT_OPTIONS) fail(where, `group ${gi} has ${gOptions.length} options`);
          return gOptions;
        })];
        all.forEach((o, i) => option(`${where}.options[${i}]`, o));
        const initial = [...(e.initial_option ? [e.initial_option] : []), ...arr(e.initial_options)];
        for (const o of initial) if (!all.some((x) => JSON.stringify(x) === JSON.stringify(o))) fail(where, 'initial option not among the options');
        break;
      }
      case 'checkboxes':
        if (arr(e.options).length > L.MAX_CHECKBOX_OPTIONS) fail(where, 'too many checkboxes');
        arr(e.options).forEach((o, i) => option(`${where}.options[${i}]`, o));
        break;
      case 'plain_text_input':
        if (typeof e.max_length === 'number' && e.max_length > L.MAX_PLAIN_TEXT_INPUT_LENGTH) fail(where, 'max_length over 3000');
        break;
      case 'number_input':
        if (typeof e.is_decimal_allowed !== 'boolean') fail(where, 'number_input needs is_decimal_allowed');
        break;
      case 'datepicker':
      case 'datetimepicker':
        break;
      default:
        fail(where, `unexpected element type ${String(e.type)}`);
    }
  };

  const maxBlocks = isView ? L.MAX_VIEW_BLOCKS : L.MAX_MESSAGE_BLOCKS;
  if (blocks.length > maxBlocks) fail('blocks', `${blocks.length} blocks (max ${maxBlocks})`);
  blocks.forEach((raw, i) => {
    const b = obj(raw);
    const where = `blocks[${i}] (${String(b.type)})`;
    if (b.block_id !== undefined) {
      const id = str(b.block_id);
      if (id.length > L.MAX_BLOCK_ID) fail(where, 'block_id over 255');
      if (blockIds.has(id)) fail(where, `duplicate block_id ${id}`);
      blockIds.add(id);
    }
    switch (b.type) {
      case 'section': {
        const fields = arr(b.fields);
        if (b.text === undefined && fields.length === 0) fail(where, 'neither text nor fields');
        if (b.text !== undefined) text(`${where}.text`, b.text, L.MAX_SECTION_TEXT);
        if (fields.length > L.MAX_SECTION_FIELDS) fail(where, `${fields.length} fields (max ${L.MAX_SECTION_FIELDS})`);
        fields.forEach((f, j) => text(`${where}.fields[${j}]`, f, L.MAX_SECTION_FIELD_TEXT));
        break;
      }
      case 'header':
        text(`${where}.text`, b.text, L.MAX_HEADER_TEXT, 'plain_text');
        break;
      case 'context': {
        const els = arr(b.elements);
        if (els.length === 0 || els.length > L.MAX_CONTEXT_ELEMENTS) fail(where, `${els.length} elements`);
        els.forEach((e, j) => text(`${where}.elements[${j}]`, e, L.MAX_CONTEXT_TEXT));
        break;
      }
      case 'actions': {
        const els = arr(b.elements);
        if (els.length === 0 || els.length > L.MAX_ACTIONS_ELEMENTS) fail(where, `${els.length} elements (max ${L.MAX_ACTIONS_ELEMENTS})`);
        els.forEach((e, j) => element(`${where}.elements[${j}]`, obj(e)));
        break;
      }
      case 'input':
        if (root.type !== 'modal' && root.type !== 'home') fail(where, 'input blocks belong in views');
        text(`${where}.label`, b.label, L.MAX_INPUT_LABEL, 'plain_text');
        if (b.hint !== undefined) text(`${where}.hint`, b.hint, L.MAX_INPUT_HINT, 'plain_text');
        element(`${where}.element`, obj(b.element));
        break;
      case 'divider':
        break;
      default:
        fail(where, 'unexpected block type');
    }
  });
  for (const [id, n] of actionIds) if (n > 1) fail('action_id', `"${id}" used ${n} times`);

  if (root.type === 'modal') {
    text('title', root.title, L.MAX_MODAL_TITLE, 'plain_text');
    if (root.submit !== undefined) text('submit', root.submit, L.MAX_MODAL_BUTTON, 'plain_text');
    if (root.close !== undefined) text('close', root.close, L.MAX_MODAL_BUTTON, 'plain_text');
    if (blocks.some((b) => obj(b).type === 'input') && root.submit === undefined) fail('submit', 'required when the view has inputs');
    if (str(root.callback_id).length > L.MAX_CALLBACK_ID) fail('callback_id', 'over 255');
    if (str(root.private_metadata).length > L.MAX_PRIVATE_METADATA) fail('private_metadata', 'over 3000');
  } else if (!isView) {
    if (typeof root.text !== 'string' || root.text === '') fail('text', 'a message needs fallback text');
    if (str(root.text).length > L.MAX_MESSAGE_TEXT) fail('text', `over ${L.MAX_MESSAGE_TEXT}`);
  }
  return problems;
}

export function expectWithinSlackLimits(messageOrView: unknown): void {
  expect(slackLimitProblems(messageOrView)).toEqual([]);
}
