/**
 * "It's happening now": the playbook card, reachable from any step, from a message and from the help
 * card. Never refused as stale: in an emergency the teacher always gets the playbook.
 */
import type { Reply, Turn } from '../../src/core/conversation.js';
import type { CallPlatform } from '../../src/core/guidance/schema.js';
import type { Prompt } from '../../src/core/prompt.js';
import { decodeToken, NO_INSTANCE } from '../../src/core/dialog/engine.js';
import { isPlatform } from './dialog.js';
import { emergencyPlatformQuestion, playbook, reportAdvice, type EmergencyButtons } from './emergency-views.js';
import { readPrefs, rememberPlatform, updatePrefs } from './prefs.js';
import type { SetupRecord, SetupRuntime } from './runtime.js';

type Card = 'playbook' | 'report';

/** Set by the composition root beside SetupOptions: the incident form's start action, so no feature imports another. */
export interface EmergencyOptions {
  reportStart?: string;
}

export function emergencyHandlers(rt: SetupRuntime) {
  const { deps, engine } = rt;

  function buttons(turn: Turn, record: SetupRecord | undefined): EmergencyButtons {
    return {
      value: (p) => engine.ownedValue(turn.who.id, p),
      back: rt.inProgress(record) ? engine.token(record) : undefined,
      reportStart: (rt.options as EmergencyOptions).reportStart,
    };
  }

  async function platformFor(turn: Turn, record: SetupRecord | undefined): Promise<CallPlatform | undefined> {
    return record?.data.platform ?? (await readPrefs(deps.store, turn.who)).callPlatform;
  }

  async function card(which: Card, platform: CallPlatform | undefined, turn: Turn, record: SetupRecord | undefined): Promise<Prompt> {
    const b = buttons(turn, record);
    const ctx = await rt.ctx(turn, record);
    if (!platform) return emergencyPlatformQuestion(ctx, b);
    return which === 'playbook' ? playbook(platform, ctx, b) : reportAdvice(platform, ctx, b);
  }

  /** A button on the playbook, the report advice or a step; `value` names a platform, possibly owner-stamped. */
  async function fromButton(turn: Turn, which: Card, value: string): Promise<Reply[]> {
    const token = decodeToken(value);
    const named = token ? token.arg : value;
    const record = await engine.load(turn.who, turn.where);
    const own = await platformFor(turn, record);
    if (token && token.owner !== turn.who.id) {
      // Someone else's card: show this person their own playbook, privately, and leave the card alone.
      return [{ mode: 'private', prompt: await card(which, own ?? (isPlatform(named) ? named : undefined), turn, record) }];
    }
    const platform = isPlatform(named) ? named : own;
    // The one-tap platform question of the emergency card: remember the answer if nothing was known.
    if (token?.instance === NO_INSTANCE && isPlatform(named) && !own) await updatePrefs(deps.store, turn.who, deps.clock.now(), rememberPlatform(named));
    deps.log.info({ dialog: 'setup', card: which, known: !!platform }, 'emergency card');
    // The report advice is a new message, so the playbook stays on screen above it; so is the playbook opened
    // from the checklist, which stays as it is.
    const mode = which === 'report' || !value || record?.data.stage === 'summary' ? 'post' : 'update';
    return [{ mode, prompt: await card(which, platform, turn, record) }];
  }

  return {
    /** From a message ("someone is zoombombing my lesson") or the Teams command "happening now". */
    async emergency(turn: Turn): Promise<Reply[]> {
      const record = await engine.load(turn.who, turn.where);
      const platform = await platformFor(turn, record);
      deps.log.info({ dialog: 'setup', card: 'playbook', known: !!platform }, 'emergency from a message');
      return [{ mode: 'post', prompt: await card('playbook', platform, turn, record) }];
    },
    now: (turn: Turn, value: string) => fromButton(turn, 'playbook', value),
    report: (turn: Turn, value: string) => fromButton(turn, 'report', value),
  };
}
