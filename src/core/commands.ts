/**
 * Recognises the command words (content/<locale>/commands.yaml) at the start of a message or slash command.
 */
import { z } from 'zod';

/**
 * help … topics are core's; the rest belong to features (Feature.commands): report, myReports,
 * setDpoChannel and breachLog to incidents; terms and stopReminders to reminders.
 */
export const COMMANDS = ['help', 'setup', 'ask', 'emergency', 'topics', 'report', 'myReports', 'setDpoChannel', 'breachLog', 'terms', 'stopReminders'] as const;
export type CommandName = (typeof COMMANDS)[number];

export const commandWordsSchema = z.strictObject(
  Object.fromEntries(COMMANDS.map((c) => [c, z.array(z.string().trim().min(1)).min(1)])) as Record<CommandName, z.ZodArray<z.ZodString>>,
);
export type CommandWords = z.infer<typeof commandWordsSchema>;

/** Lower-cases and drops punctuation so "It's happening now!" matches "its happening now". */
export function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[’'`]/g, '')
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export interface ParsedCommand {
  name: CommandName;
  /** What follows the command words (for `ask`: the question), as typed. */
  rest: string;
}

export function parseCommand(text: string, words: CommandWords): ParsedCommand | undefined {
  const said = normalise(text);
  let best: ParsedCommand | undefined;
  let bestLength = 0;
  for (const name of COMMANDS) {
    for (const w of words[name]) {
      const word = normalise(w);
      if ((said === word || said.startsWith(`${word} `)) && word.length > bestLength) {
        bestLength = word.length;
        best = { name, rest: restAfter(text, word.split(' ').length) };
      }
    }
  }
  return best;
}

function restAfter(text: string, wordCount: number): string {
  return text.trim().split(/\s+/).slice(wordCount).join(' ');
}
