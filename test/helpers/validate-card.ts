/**
 * Validates Adaptive Card JSON with the official `adaptivecards` SDK (parse + validateProperties), without
 * rendering, so no DOM is needed. The package's `lib/` build is extensionless ESM that Node cannot load,
 * so we load its UMD bundle (`dist/adaptivecards.js`) through require and keep the types from `lib/`.
 */
import { createRequire } from 'node:module';
import type * as AdaptiveCards from 'adaptivecards';

const require = createRequire(import.meta.url);
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof AdaptiveCards;

/** Accepts the card JSON or an attachment `{ contentType, content }` wrapping it. */
function cardJson(card: unknown): unknown {
  const c = card as { contentType?: unknown; content?: unknown };
  return typeof c === 'object' && c !== null && c.contentType === 'application/vnd.microsoft.card.adaptive' ? c.content : card;
}

/** Every parse warning and validation failure the SDK reports for the card, as messages. */
export function cardProblems(card: unknown): string[] {
  // A JSON round trip first: what Teams receives is the serialized card.
  const json = JSON.parse(JSON.stringify(cardJson(card))) as unknown;
  const problems: string[] = [];
  const c = json as { type?: unknown; version?: unknown };
  if (c?.type !== 'AdaptiveCard') problems.push('type must be AdaptiveCard');
  if (c?.version !== '1.5') problems.push(`version must be 1.5, got ${String(c?.version)}`);

  const context = new AC.SerializationContext(AC.Versions.v1_5);
  const parsed = new AC.AdaptiveCard();
  parsed.parse(json, context);
  for (let i = 0; i < context.eventCount; i++) problems.push(`parse: ${context.getEventAt(i).message}`);
  for (const e of parsed.validateProperties().validationEvents) problems.push(`validate: ${e.message}`);
  return problems;
}

/** Fails the test with the SDK's messages unless the card parses and validates with zero problems. */
export function expectValidCard(card: unknown): void {
  expect(cardProblems(card)).toEqual([]);
}
