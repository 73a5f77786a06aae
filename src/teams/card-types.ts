/**
 * The small slice of the Adaptive Card 1.5 schema the Teams renderer produces, as plain JSON types
 * (no botbuilder import: the adapter wraps the attachment).
 */

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';

/** Any body element (TextBlock, FactSet, ActionSet, Input.*): a `type` and its properties. */
export interface CardElement {
  type: string;
  [property: string]: unknown;
}

/** What every submit we render carries under `data.safecall`. */
export type SafecallData =
  | { action: string; value: string }
  /** A menu (Input.ChoiceSet) submit: the chosen value is the input named `choice`. */
  | { action: string; choice: string }
  | { form: string; state?: string };

export type CardAction =
  | { type: 'Action.Submit'; title: string; data: { safecall: SafecallData }; style?: 'positive' | 'destructive'; associatedInputs?: 'auto' | 'none' }
  | { type: 'Action.OpenUrl'; title: string; url: string; style?: 'positive' | 'destructive' };

export interface AdaptiveCardJson {
  $schema: string;
  type: 'AdaptiveCard';
  version: '1.5';
  body: CardElement[];
  fallbackText: string;
  speak: string;
}

/** Shaped like a botbuilder Attachment: pass it to MessageFactory.attachment / CardFactory-free. */
export interface CardAttachment {
  contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE;
  content: AdaptiveCardJson;
}

export interface RenderCardOptions {
  /** IANA zone that datetime fields are shown and read in. Default Europe/London. */
  timeZone?: string;
  /** Title of the button that submits a long menu (Input.ChoiceSet). Default "OK". */
  choiceSubmitLabel?: string;
  /** Label of the time half of a datetime field. Default "Time". */
  timeLabel?: string;
  /** Shown when a required field is left empty and the field has no `error`. Default "This field is required." */
  requiredMessage?: string;
}

export const DEFAULT_TIME_ZONE = 'Europe/London';
