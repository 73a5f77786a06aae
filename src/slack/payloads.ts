/**
 * The shape of every Slack request SafeCall acts on, as zod schemas: only the fields the listeners read
 * are checked (Slack adds fields all the time, so unknown keys pass). The HTTP edge (edge.ts) checks a
 * verified body against these before Bolt sees it, because Bolt itself throws on some shapes (`payload=null`)
 * and never answers others (`payload=5`, a block_actions without actions); the listeners parse again
 * because Socket Mode requests do not pass through the HTTP edge.
 */
import { parse as parseQuery } from 'node:querystring';
import { z } from 'zod';

const slackId = z.string().min(1).max(64);
/**
 * The ids a delivery is known by (trigger_id, action_ts, a view's id and hash): they become the receipt's key
 * (deliveries.ts), so they are bounded like every other key. Slack's are well under 100 characters.
 */
const deliveryId = z.string().min(1).max(255);
const optionalText = z.string().max(100_000).optional();

const user = z.looseObject({ id: slackId, name: z.string().optional(), username: z.string().optional(), team_id: z.string().optional() });
const team = z.looseObject({ id: slackId, domain: z.string().max(255).optional() }).nullish();
const enterprise = z.looseObject({ id: slackId }).nullish();

export const commandSchema = z.looseObject({
  command: z.string().min(1),
  text: z.string().default(''),
  user_id: slackId,
  user_name: z.string().optional(),
  channel_id: slackId,
  team_id: slackId.optional(),
  enterprise_id: slackId.optional(),
  trigger_id: deliveryId,
  response_url: z.string().optional(),
});

const action = z.looseObject({
  type: z.string(),
  action_id: z.string().min(1).max(255),
  value: z.string().optional(),
  selected_option: z.looseObject({ value: z.string() }).nullish(),
  action_ts: deliveryId.optional(),
});

export const blockActionsSchema = z.looseObject({
  type: z.literal('block_actions'),
  user,
  team,
  enterprise,
  trigger_id: deliveryId.optional(),
  response_url: z.string().optional(),
  channel: z.looseObject({ id: slackId }).nullish(),
  container: z.looseObject({ channel_id: z.string().optional(), message_ts: z.string().optional(), is_ephemeral: z.boolean().optional() }).optional(),
  message: z.looseObject({ ts: z.string() }).optional(),
  actions: z.array(action).min(1),
});

/** One input's value in view.state, as renderModal's inputs send it back. */
const stateValue = z.looseObject({
  type: z.string(),
  value: z.string().nullish(),
  selected_option: z.looseObject({ value: z.string() }).nullish(),
  selected_options: z.array(z.looseObject({ value: z.string() })).nullish(),
  selected_date: z.string().nullish(),
  selected_time: z.string().nullish(),
  selected_date_time: z.number().nullish(),
});

export const viewSubmissionSchema = z.looseObject({
  type: z.literal('view_submission'),
  user,
  team,
  enterprise,
  trigger_id: deliveryId.optional(),
  view: z.looseObject({
    id: deliveryId,
    callback_id: z.string(),
    hash: deliveryId.optional(),
    private_metadata: z.string().default(''),
    blocks: z.array(z.looseObject({ block_id: z.string().optional() })).default([]),
    state: z.looseObject({ values: z.record(z.string(), z.record(z.string(), stateValue)) }),
  }),
});

const viewClosedSchema = z.looseObject({ type: z.literal('view_closed'), user, team, enterprise, view: z.looseObject({ id: z.string(), callback_id: z.string() }) });

export const shortcutSchema = z.looseObject({
  type: z.literal('shortcut'),
  callback_id: z.string().min(1),
  trigger_id: deliveryId,
  user,
  team,
  enterprise,
  action_ts: deliveryId.optional(),
});

export const messageActionSchema = z.looseObject({
  type: z.literal('message_action'),
  callback_id: z.string().min(1),
  trigger_id: deliveryId,
  user,
  team,
  enterprise,
  channel: z.looseObject({ id: slackId }),
  /** The message the shortcut was used on (its link is built from these). */
  message: z.looseObject({ ts: z.string().min(1).max(64), thread_ts: z.string().max(64).optional() }).optional(),
  message_ts: z.string().max(64).optional(),
  response_url: z.string().optional(),
  action_ts: deliveryId.optional(),
});

const blockSuggestionSchema = z.looseObject({ type: z.literal('block_suggestion'), user, team, enterprise, action_id: z.string(), block_id: z.string(), value: z.string() });

export const interactiveSchema = z.discriminatedUnion('type', [
  blockActionsSchema,
  viewSubmissionSchema,
  viewClosedSchema,
  shortcutSchema,
  messageActionSchema,
  blockSuggestionSchema,
]);
export type Interactive = z.infer<typeof interactiveSchema>;

export const messageEventSchema = z.looseObject({
  type: z.literal('message'),
  channel: slackId,
  channel_type: z.string().optional(),
  user: slackId.optional(),
  text: optionalText,
  subtype: z.string().optional(),
  bot_id: z.string().optional(),
});
export const appMentionSchema = z.looseObject({ type: z.literal('app_mention'), channel: slackId, user: slackId.optional(), text: z.string().max(100_000) });
export const homeOpenedSchema = z.looseObject({ type: z.literal('app_home_opened'), user: slackId, channel: slackId.optional(), tab: z.string().optional() });

/**
 * The events SafeCall listens to are checked field by field; any other event type only needs a type and the
 * fields Bolt itself reads from every event before any listener (to find the person and the conversation):
 * `user` and `channel` a string or an object, `item`, `subteam` and `assistant_thread` objects. Bolt
 * dereferences them without a check, so a number or null there answered 500 (found by fuzzing).
 */
const stringOrObject = z.union([z.string().max(1024), z.looseObject({})]);
const anyEventSchema = z.looseObject({
  type: z.string().min(1).max(128),
  user: stringOrObject.optional(),
  channel: stringOrObject.optional(),
  channel_id: z.string().max(1024).optional(),
  item: z.looseObject({}).optional(),
  subteam: z.looseObject({}).optional(),
  assistant_thread: z.looseObject({}).optional(),
});
const EVENT_SCHEMAS: Record<string, z.ZodType> = { message: messageEventSchema, app_mention: appMentionSchema, app_home_opened: homeOpenedSchema };

export const eventCallbackSchema = z.looseObject({
  type: z.literal('event_callback'),
  event_id: z.string().min(1).max(128),
  team_id: slackId.optional(),
  enterprise_id: slackId.nullish(),
  authorizations: z.array(z.looseObject({ team_id: z.string().nullish(), enterprise_id: z.string().nullish() })).optional(),
  event: anyEventSchema,
});

/** What a verified body is, or why it does not fit. */
export type Classified =
  | { kind: 'event'; body: z.infer<typeof eventCallbackSchema> }
  | { kind: 'command'; body: z.infer<typeof commandSchema> }
  | { kind: 'interactive'; body: Interactive }
  /** Slack's own handshakes (url_verification, ssl_check, app_rate_limited): Bolt answers them. */
  | { kind: 'handshake' }
  | { kind: 'refused'; reason: string };

const FORM = 'application/x-www-form-urlencoded';

function problem(error: z.ZodError): string {
  const first = error.issues[0];
  return first ? `${first.path.join('.') || '(body)'}: ${first.message}` : 'does not fit';
}

/** Classifies a body the way Bolt will parse it (Bolt compares the content type exactly). */
export function classify(contentType: string | undefined, text: string): Classified {
  if (contentType === FORM) {
    const form = parseQuery(text);
    if (form.ssl_check === '1') return { kind: 'handshake' };
    if ('payload' in form) {
      if (typeof form.payload !== 'string') return { kind: 'refused', reason: 'payload: must be one JSON text' };
      let parsed: unknown;
      try {
        parsed = JSON.parse(form.payload);
      } catch {
        return { kind: 'refused', reason: 'payload: not valid JSON' };
      }
      const r = interactiveSchema.safeParse(parsed);
      return r.success ? { kind: 'interactive', body: r.data } : { kind: 'refused', reason: `payload ${problem(r.error)}` };
    }
    const r = commandSchema.safeParse(form);
    return r.success ? { kind: 'command', body: r.data } : { kind: 'refused', reason: `command ${problem(r.error)}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'refused', reason: 'not valid JSON' };
  }
  const type = (parsed as { type?: unknown } | null)?.type;
  if (type === 'url_verification' || type === 'app_rate_limited') return { kind: 'handshake' };
  const r = eventCallbackSchema.safeParse(parsed);
  if (!r.success) return { kind: 'refused', reason: `event ${problem(r.error)}` };
  // Own keys only: an event type of `__proto__` or `constructor` must not find Object.prototype's members.
  const eventType = r.data.event.type;
  const inner = Object.hasOwn(EVENT_SCHEMAS, eventType) ? EVENT_SCHEMAS[eventType]!.safeParse(r.data.event) : undefined;
  if (inner && !inner.success) return { kind: 'refused', reason: `event.${r.data.event.type} ${problem(inner.error)}` };
  return { kind: 'event', body: r.data };
}

/** The workspace (and enterprise) a request is from, as Bolt would put it in `context`. */
export function workspaceOf(c: Classified): { teamId?: string; enterpriseId?: string } {
  switch (c.kind) {
    case 'event': {
      const auth = c.body.authorizations?.[0];
      return { teamId: c.body.team_id ?? auth?.team_id ?? undefined, enterpriseId: c.body.enterprise_id ?? auth?.enterprise_id ?? undefined };
    }
    case 'command':
      return { teamId: c.body.team_id, enterpriseId: c.body.enterprise_id };
    case 'interactive':
      return { teamId: c.body.team?.id ?? c.body.user.team_id, enterpriseId: c.body.enterprise?.id };
    default:
      return {};
  }
}
