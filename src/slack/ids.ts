/** Slack-only ids: the callback ids declared in manifests/slack/*.json. */
import { SETUP_ACTIONS } from '../../dialogs/secure-call/ids.js';

/** Global shortcuts and the core action each one starts. */
export const SHORTCUTS: Record<string, string> = {
  'setup.shortcut': SETUP_ACTIONS.start,
};
