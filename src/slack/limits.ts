/**
 * Slack's documented Block Kit limits (docs.slack.dev/reference/block-kit, /reference/views), as named
 * constants for the renderer and the tests. Lengths are in characters.
 */

/** Blocks in one message (chat.postMessage, chat.update, ephemeral). */
export const MAX_MESSAGE_BLOCKS = 50;
/** Blocks in one modal or App Home view. */
export const MAX_VIEW_BLOCKS = 100;

/** `text` of a section block. */
export const MAX_SECTION_TEXT = 3000;
/** Items in a section's `fields`, and the length of each. */
export const MAX_SECTION_FIELDS = 10;
export const MAX_SECTION_FIELD_TEXT = 2000;
/** `text` of a header block (plain_text). */
export const MAX_HEADER_TEXT = 150;
/** Elements in a context block; each text element is a text object (≤ 3000). */
export const MAX_CONTEXT_ELEMENTS = 10;
export const MAX_CONTEXT_TEXT = 3000;

/** Elements in an actions block. */
export const MAX_ACTIONS_ELEMENTS = 25;
/** Button `text`, `value` and `url`. */
export const MAX_BUTTON_TEXT = 75;
export const MAX_BUTTON_VALUE = 2000;
export const MAX_BUTTON_URL = 3000;
/** `action_id`, `block_id` and a view's `callback_id`. */
export const MAX_ACTION_ID = 255;
export const MAX_BLOCK_ID = 255;
export const MAX_CALLBACK_ID = 255;

/** Options in a static_select / multi_static_select (or in one option group), and option groups per menu. */
export const MAX_SELECT_OPTIONS = 100;
export const MAX_OPTION_GROUPS = 100;
/** Option `text` and `value`; option group `label`. */
export const MAX_OPTION_TEXT = 75;
export const MAX_OPTION_VALUE = 150;
export const MAX_OPTION_GROUP_LABEL = 75;
/** Options in a checkboxes element. */
export const MAX_CHECKBOX_OPTIONS = 10;
/** `placeholder` of an input element or a select menu. */
export const MAX_PLACEHOLDER = 150;

/** Input block `label` and `hint`. */
export const MAX_INPUT_LABEL = 2000;
export const MAX_INPUT_HINT = 2000;
/** Highest `max_length` a plain_text_input accepts. */
export const MAX_PLAIN_TEXT_INPUT_LENGTH = 3000;

/** Modal `title`, `submit` and `close` (plain_text). */
export const MAX_MODAL_TITLE = 24;
export const MAX_MODAL_BUTTON = 24;
/** A view's `private_metadata`. */
export const MAX_PRIVATE_METADATA = 3000;

/**
 * Top-level `text` of a message. Slack truncates at 40,000 but recommends keeping it short; it is the
 * notification and screen-reader fallback, so we keep it at 4000.
 */
export const MAX_MESSAGE_TEXT = 4000;
