/** Teams-only ids: the message extension commands declared in manifests/teams/manifest.json. */

import { REPORT_ACTIONS } from '../../dialogs/incidents/ids.js';

/** The incidents feature's action that opens the report form; its value is '' or a message link. */
export const REPORT_START = REPORT_ACTIONS.start;

/** Message actions (a message's "…" → Apps menu: composeExtensions commands with context "message") and the core action each starts. */
export const MESSAGE_ACTIONS: Record<string, string> = {
  reportMessage: REPORT_START,
};
