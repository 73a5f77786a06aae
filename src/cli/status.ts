/**
 * `safecall status`: what the store holds, read without the lock (safe while the server runs: every write
 * is an atomic rename, so a read sees a whole file). Counts only; no names or content.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliCommand } from '../cli.js';
import { openLowdbStore } from '../store/lowdb-store.js';

export const command: CliCommand = {
  summary: 'What the data store holds (read-only, safe while the server runs)',
  usage: 'status [--data-dir DIR] [--json]',
  async run(args) {
    let opts: { 'data-dir'?: string; json?: boolean };
    try {
      opts = parseArgs({ args, options: { 'data-dir': { type: 'string' }, json: { type: 'boolean' } } }).values;
    } catch (err) {
      console.error(`safecall status: ${(err as Error).message}`);
      return 2;
    }
    const dir = resolve(opts['data-dir'] ?? process.env.DATA_DIR ?? './data');
    let store;
    try {
      store = await openLowdbStore(dir, { readOnly: true });
    } catch (err) {
      console.error(`safecall status: ${(err as Error).message}`);
      return 1;
    }
    try {
      const [users, conversations, dialogs, requests] = await Promise.all([
        store.users.list(),
        store.conversations.list(),
        store.dialogs.list(),
        store.requests.list(),
      ]);
      const by = <T extends { platform: string }>(xs: T[]) => ({ slack: xs.filter((x) => x.platform === 'slack').length, teams: xs.filter((x) => x.platform === 'teams').length });
      const figures = {
        dataDir: dir,
        people: by(users),
        conversations: by(conversations),
        dialogsInProgress: dialogs.length,
        pendingRequests: requests.length,
      };
      if (opts.json) console.log(JSON.stringify(figures, null, 2));
      else
        console.log(
          [
            `Data directory: ${dir}`,
            `People the bot has met: ${figures.people.slack} on Slack, ${figures.people.teams} on Teams`,
            `Conversations: ${figures.conversations.slack} on Slack, ${figures.conversations.teams} on Teams`,
            `Dialogs in progress: ${figures.dialogsInProgress}`,
            `Requests waiting for the scheduler (e.g. "remind me before my call"): ${figures.pendingRequests}`,
          ].join('\n'),
        );
      return 0;
    } finally {
      await store.close();
    }
  },
};
