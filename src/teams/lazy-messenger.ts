/**
 * The Teams Messenger and staff directory without botbuilder at start: the module tree (about a third of
 * SafeCall's idle memory) is imported at the first proactive Teams message or roster read, as the request
 * endpoint does (main.ts).
 */
import type { Env } from '../config.js';
import type { Log, Store } from '../core/ports.js';
import type { Strings } from '../core/strings.js';
import type { Messenger } from '../core/schedule/types.js';
import type { TeamsAuth } from './adapter.js';
import type { TeamsDirectory } from './directory.js';

export interface LazyTeamsOptions {
  env: Env;
  store: Store;
  log: Log;
  strings: Strings;
  timezone: string;
  mayCall?: (serviceUrl: string | undefined) => boolean;
  connectorTimeoutMs?: number;
  /** The same token endpoints as the request endpoint's (main.ts), so a proactive send asks no other cloud. */
  auth?: TeamsAuth;
}

export function lazyTeamsMessenger(o: LazyTeamsOptions): Messenger {
  let loading: Promise<Messenger> | undefined;
  const load = () =>
    (loading ??= (async () => {
      const [{ createAdapter }, { teamsMessenger }] = await Promise.all([import('./adapter.js'), import('./messenger.js')]);
      // createAdapter puts the 10 s Bot Connector deadline on every send and update.
      const adapter = createAdapter(o.env, o.log, o.connectorTimeoutMs, undefined, o.auth);
      return teamsMessenger({ adapter, appId: o.env.MicrosoftAppId ?? '', store: o.store, log: o.log, strings: o.strings, timezone: o.timezone, mayCall: o.mayCall });
    })().catch((err: unknown) => {
      loading = undefined;
      throw err;
    }));
  return {
    platform: 'teams',
    send: async (...a) => (await load()).send(...a),
    update: async (...a) => (await load()).update(...a),
    findSent: async (...a) => (await load()).findSent(...a),
  };
}

/** The staff team's roster (directory.ts), loading botbuilder at the first read (a round with teams.staffTeam set). */
export function lazyTeamsDirectory(o: Omit<LazyTeamsOptions, 'strings' | 'timezone'>): TeamsDirectory {
  let loading: Promise<TeamsDirectory> | undefined;
  const load = () =>
    (loading ??= (async () => {
      const [{ createAdapter }, { teamsDirectory }] = await Promise.all([import('./adapter.js'), import('./directory.js')]);
      const adapter = createAdapter(o.env, o.log, o.connectorTimeoutMs, undefined, o.auth);
      return teamsDirectory({ adapter, appId: o.env.MicrosoftAppId ?? '', store: o.store, log: o.log, mayCall: o.mayCall, timeoutMs: o.connectorTimeoutMs });
    })().catch((err: unknown) => {
      loading = undefined;
      throw err;
    }));
  return { teamMembers: async (teamId) => (await load()).teamMembers(teamId) };
}
