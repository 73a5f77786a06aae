/**
 * The platform-neutral bot: remembers who it meets, then routes each Turn to a feature.
 * Commands first (help, setup, ask, happening now, topics), then intents (a question that asks for the
 * whole job starts the setup; "someone is zoombombing us" gets the emergency playbook), then the search.
 * Buttons and forms go to the feature that owns their id prefix.
 */
import type { Reply, Turn } from './conversation.js';
import type { Deps, Feature } from './deps.js';
import { actionPrefix } from './deps.js';
import { parseCommand, type CommandWords } from './commands.js';
import { helpPrompt, type HelpButtons } from './help/feature.js';
import { rememberTurn } from './people.js';
import { userKey } from './ports.js';
import type { GuideFeature } from './guidance/feature.js';
import type { CallPlatform } from './guidance/schema.js';

export type Intent = 'setup' | 'emergency' | 'help' | null;

/**
 * What the router needs of the guided setup, which lives outside core (dialogs/secure-call/) and is
 * handed in by the composition root.
 */
export interface SetupFeature extends Feature {
  /** "Help me secure my call", /safecall setup, the App Home and search-answer buttons. */
  start(turn: Turn, opts?: { platform?: CallPlatform }): Promise<Reply[]>;
  /** "Someone is zoombombing my lesson", the Teams command "happening now". */
  emergency(turn: Turn): Promise<Reply[]>;
}

/** The features and routing words the bot dispatches to, given by the composition root (src/app.ts). */
export interface BotFeatures {
  guide: GuideFeature;
  setup: SetupFeature;
  intent(text: string): Intent;
  /** Detects a call platform named in free text ("zoom", "google meet"). */
  platformIn(text: string): CallPlatform | undefined;
  commands: CommandWords;
  /** The action ids the help card's buttons use. */
  helpButtons: HelpButtons;
  /** Features beyond guide and setup (later: reports, reminders). */
  extra?: Feature[];
}

export interface Bot {
  handle(turn: Turn): Promise<Reply[]>;
}

export function createBot(deps: Deps, parts: BotFeatures): Bot {
  const features = new Map<string, Feature>([parts.guide, parts.setup, ...(parts.extra ?? [])].map((f) => [f.prefix, f]));
  const help = (turn: Turn, opts: { welcome?: boolean; lead?: string } = {}) =>
    helpPrompt(deps, turn.who.platform, parts.helpButtons, opts);

  async function text(turn: Turn, said: string): Promise<Reply[]> {
    const command = parseCommand(said, parts.commands);
    if (command) {
      switch (command.name) {
        case 'help':
          if (!command.rest) return [{ mode: 'post', prompt: help(turn) }];
          break;
        case 'topics':
          if (!command.rest) return parts.guide.onAction!(turn, parts.helpButtons.topics, '');
          break;
        case 'setup': {
          const platform = command.rest ? parts.platformIn(command.rest) : undefined;
          if (!command.rest || platform) return parts.setup.start(turn, platform ? { platform } : {});
          break;
        }
        case 'emergency':
          return parts.setup.emergency(turn);
        case 'ask':
          if (command.rest) return parts.guide.answer(turn, command.rest);
          return [{ mode: 'post', prompt: help(turn) }];
        default: {
          const owner = [...features.values()].find((f) => f.commands?.includes(command.name));
          if (owner?.onCommand) return owner.onCommand(turn, command.name, command.rest);
          break;
        }
      }
    }
    if (!said.trim()) return [{ mode: 'post', prompt: help(turn) }];
    switch (parts.intent(said)) {
      case 'emergency':
        return parts.setup.emergency(turn);
      case 'setup':
        return parts.setup.start(turn, { platform: parts.platformIn(said) });
      case 'help':
        return [{ mode: 'post', prompt: help(turn) }];
      default:
        return parts.guide.answer(turn, said);
    }
  }

  /** Who and where, in one write each; a turn that only moves "last seen" costs no fsync (src/core/people.ts). */
  async function remember(turn: Turn): Promise<void> {
    await rememberTurn(deps.store, turn.who, turn.where, turn.at);
  }

  /**
   * A turn with no conversation (a Slack global shortcut) is addressed to the person's DM. Use the DM's
   * real id when known, so later button presses in that DM find the same dialog.
   */
  async function resolveDm(turn: Turn): Promise<Turn> {
    if (turn.where.kind !== 'dm' || turn.where.id !== turn.who.id) return turn;
    const known = await deps.store.users.get(userKey(turn.who.platform, turn.who.id));
    return known?.dmConversationId ? { ...turn, where: { ...turn.where, id: known.dmConversationId } } : turn;
  }

  return {
    async handle(incoming) {
      const turn = await resolveDm(incoming);
      await remember(turn);
      const input = turn.input;
      switch (input.kind) {
        case 'installed':
          return [{ mode: 'post', prompt: help(turn, { welcome: true }) }];
        case 'home':
          return [{ mode: 'home', prompt: help(turn) }];
        case 'message':
        case 'command':
          return text(turn, input.text);
        case 'action': {
          const feature = features.get(actionPrefix(input.action));
          if (feature?.onAction) return feature.onAction(turn, input.action, input.value);
          deps.log.warn({ action: input.action, platform: turn.who.platform }, 'unknown action id: answered with help');
          return [{ mode: 'private', prompt: help(turn, { lead: deps.strings.t('help.unknownAction') }) }];
        }
        case 'form': {
          const feature = features.get(actionPrefix(input.formId));
          if (feature?.onForm) return feature.onForm(turn, input.formId, input.values, input.state);
          deps.log.warn({ form: input.formId, platform: turn.who.platform }, 'unknown form id: answered with help');
          return [{ mode: 'private', prompt: help(turn, { lead: deps.strings.t('help.unknownForm') }) }];
        }
      }
    },
  };
}
