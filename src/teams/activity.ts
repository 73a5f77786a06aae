/**
 * The fields of a Bot Framework activity that SafeCall reads, checked with zod before botbuilder sees the
 * activity. A wrong type here used to be processed anyway (a `from` that is a string saved `teams:undefined`)
 * or to throw inside the turn (a `text` that is a number). Unknown fields pass: clients add them freely.
 */
import { z } from 'zod';

/**
 * botbuilder copies `from`, `recipient`, `conversation` and `locale` into every reply and its serializer
 * throws on a wrong type there, which failed the turn (an invoke got botbuilder's 501): those fields are
 * checked too, as the Bot Connector's schema types them.
 */
const account = z.looseObject({
  id: z.string().min(1).max(512),
  name: z.string().max(512).nullish(),
  aadObjectId: z.string().max(128).nullish(),
  role: z.string().max(64).nullish(),
});

export const activitySchema = z.looseObject({
  type: z.string().min(1).max(64),
  id: z.string().min(1).max(512).optional(),
  channelId: z.string().min(1).max(64).optional(),
  serviceUrl: z.string().min(1).max(2048),
  from: account,
  recipient: account.optional(),
  conversation: z.looseObject({
    id: z.string().min(1).max(1024),
    tenantId: z.string().max(128).nullish(),
    conversationType: z.string().max(64).nullish(),
    isGroup: z.boolean().nullish(),
    name: z.string().max(512).nullish(),
    aadObjectId: z.string().max(128).nullish(),
    role: z.string().max(64).nullish(),
  }),
  locale: z.string().max(64).nullish(),
  text: z.string().max(100_000).nullish(),
  replyToId: z.string().max(512).nullish(),
  name: z.string().max(256).nullish(),
  action: z.string().max(64).nullish(),
  membersAdded: z.array(account).nullish(),
  membersRemoved: z.array(account).nullish(),
  channelData: z.looseObject({ tenant: z.looseObject({ id: z.string().max(128).nullish() }).nullish() }).nullish(),
});
export type CheckedActivity = z.infer<typeof activitySchema>;

export function activityProblem(error: z.ZodError): string {
  const first = error.issues[0];
  return first ? `${first.path.join('.') || '(activity)'}: ${first.message}` : 'does not fit';
}
