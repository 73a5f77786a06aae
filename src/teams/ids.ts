/** Teams-only ids: the message extension commands declared in manifests/teams/manifest.json. */

/** The incidents feature's action that opens the report form (dialogs/incidents/); its value is '' or a message link. */
export const REPORT_START = 'report.start';

/** Message actions (a message's "…" → Apps menu: composeExtensions commands with context "message") and the core action each starts. */
export const MESSAGE_ACTIONS: Record<string, string> = {
  reportMessage: REPORT_START,
};
