/** Slack-only ids: the callback ids declared in manifests/slack/*.json. */
import { SETUP_ACTIONS } from '../../dialogs/secure-call/ids.js';

import { REPORT_ACTIONS } from '../../dialogs/incidents/ids.js';

/** The incidents feature's action that opens the report form; its value is '' or a link to the message being reported. */
export const REPORT_START = REPORT_ACTIONS.start;

/** Global shortcuts and the core action each one starts. */
export const SHORTCUTS: Record<string, string> = {
  'setup.shortcut': SETUP_ACTIONS.start,
  'report.shortcut': REPORT_START,
};

/** Message shortcuts ("…" menu on a message) and the core action each one starts, with the message's link as its value. */
export const MESSAGE_SHORTCUTS: Record<string, string> = {
  'report.message': REPORT_START,
};
