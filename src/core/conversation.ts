/**
 * What an adapter tells core about one incoming interaction, and what core answers.
 * Adapters translate platform payloads into `Turn`s and deliver `Reply`s; core decides everything else.
 */
import type { Prompt } from './prompt.js';

export type Platform = 'slack' | 'teams';

export interface Person {
  platform: Platform;
  /** Slack user id (U…) or Teams AAD object id / channel account id. */
  id: string;
  name?: string;
  /** Slack team (workspace) id or Teams tenant id. */
  teamId?: string;
}

export type ConversationKind = 'dm' | 'channel' | 'group';

export interface Place {
  platform: Platform;
  /** Slack channel id or Teams conversation id. */
  id: string;
  kind: ConversationKind;
  teamId?: string;
  /** Teams: the conversation reference, stored so the bot can message proactively after a restart. */
  reference?: Record<string, unknown>;
}

/** What the person did. */
export type Input =
  /** Free text typed in a DM or a mention (the mention itself removed). */
  | { kind: 'message'; text: string }
  /** A slash command (`/safecall <text>`) or a Teams command: text after the command name. */
  | { kind: 'command'; text: string }
  /** A button or menu choice. `value` is the Button's value (or the chosen option's value). */
  | { kind: 'action'; action: string; value: string }
  /** A form submitted; `values` by field id (multiselect values comma-separated). */
  | { kind: 'form'; formId: string; values: Record<string, string>; state?: string }
  /** The bot was added to a conversation or a team (Teams conversationUpdate, Slack member_joined). */
  | { kind: 'installed' }
  /** The person opened the bot's home (Slack App Home tab). */
  | { kind: 'home' };

export interface Turn {
  who: Person;
  where: Place;
  input: Input;
  /** Server clock at receipt. */
  at: Date;
}

/**
 * How to deliver a prompt:
 * - `post`: a new message in the conversation of the turn;
 * - `update`: replace the message whose button was pressed (falls back to `post` when there is none);
 * - `private`: visible only to the person (Slack ephemeral; Teams has none, so a normal reply in the 1:1 chat);
 * - `modal`: open the prompt's form (Slack modal; Teams renders the form in a card);
 * - `home`: publish to the person's App Home (Slack only; ignored elsewhere);
 * - `form-errors`: the submitted form is refused; show these field errors without losing what was typed;
 * - `file`: a file to hand to the person, with a prompt that says what it is.
 */
export type Reply =
  /** `to`: another conversation on the same platform (e.g. posting a checklist to a class channel). */
  | { mode: 'post'; prompt: Prompt; to?: string }
  | { mode: 'update' | 'private' | 'modal' | 'home'; prompt: Prompt }
  | { mode: 'form-errors'; errors: Record<string, string>; prompt: Prompt }
  /**
   * A file for the person (the breach log export): the adapter attaches it where the platform can (Slack
   * file upload in the conversation), and always posts `prompt` with it, which says what the file is.
   */
  | { mode: 'file'; file: { name: string; mime: string; content: string }; prompt: Prompt };
