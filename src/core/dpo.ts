/**
 * Where the data protection officer's messages go (incident alerts, the reminders' summaries, the DPIA
 * review): one answer for every feature, from the settings as they are now. On each platform, the DPO
 * channel (Slack: the settings' `slack.dpoChannel`, else one set by "set dpo channel" there; Teams: the
 * conversation set there), else a direct message to each DPO named in the settings. "set dpo channel"
 * writes through `setDpoConversation`.
 *
 * And whether those destinations work: a destination SafeCall could not deliver to is remembered
 * (store.runtime `incidents.failing`) until a send there succeeds, so the incidents policy retries it, and
 * /healthz, `npx safecall status`, the start-up lines and the admins in chat can say what to fix.
 */
import type { Platform } from './conversation.js';
import type { Store } from './ports.js';
import type { Address } from './schedule/types.js';
import type { Strings } from './strings.js';

/** store.runtime keys of the conversations set with "set dpo channel". */
export const DPO_RUNTIME_KEYS: Record<Platform, string> = { slack: 'slack.dpoChannel', teams: 'teams.dpoConversation' };

export async function setDpoConversation(store: Pick<Store, 'runtime'>, platform: Platform, conversationId: string, by: { platform: Platform; id: string }, at: Date): Promise<void> {
  await store.runtime.put(DPO_RUNTIME_KEYS[platform], { value: { conversationId }, setBy: by, setAt: at.toISOString() });
}

export async function dpoConversation(store: Pick<Store, 'runtime'>, platform: Platform): Promise<string | undefined> {
  const v = (await store.runtime.get(DPO_RUNTIME_KEYS[platform]))?.value as { conversationId?: unknown } | undefined;
  return typeof v?.conversationId === 'string' && v.conversationId ? v.conversationId : undefined;
}

/** `slackChannel`: the settings' slack.dpoChannel; `dpo`: the DPOs' user ids per platform. */
export async function dpoDestinations(store: Pick<Store, 'runtime'>, o: { slackChannel?: string; dpo: Record<Platform, readonly string[]> }): Promise<Address[]> {
  const out: Address[] = [];
  for (const platform of ['slack', 'teams'] as const) {
    const channel = (platform === 'slack' ? o.slackChannel : undefined) ?? (await dpoConversation(store, platform));
    if (channel) out.push({ platform, conversationId: channel });
    else out.push(...o.dpo[platform].map((userId): Address => ({ platform, userId })));
  }
  return out;
}

export type People = Record<Platform, readonly string[]>;

/** Everyone an incident alert may go to, from the settings as they are now. */
export interface AlertSettings {
  slackChannel?: string;
  dpo: People;
  deputies: People;
  admins: People;
}

/** Direct messages to these people, on both platforms. */
export const directTo = (people: People): Address[] => (['slack', 'teams'] as const).flatMap((platform) => people[platform].map((userId): Address => ({ platform, userId })));

/** One name per destination, for keys and the failing list: `slack:C0DPO`, `teams:user:aad-1`. */
export const destinationId = (a: Pick<Address, 'platform' | 'conversationId' | 'userId'>) => `${a.platform}:${a.conversationId ?? `user:${a.userId ?? ''}`}`;

export type DestinationRole = 'dpo' | 'deputy' | 'admin';

/** Every destination the settings name now, with the role it is there for (a DPO destination first). */
export async function alertDestinations(store: Pick<Store, 'runtime'>, s: AlertSettings): Promise<{ to: Address; role: DestinationRole }[]> {
  const seen = new Set<string>();
  const out: { to: Address; role: DestinationRole }[] = [];
  const add = (role: DestinationRole) => (to: Address) => {
    const id = destinationId(to);
    if (seen.has(id)) return;
    seen.add(id);
    out.push({ to, role });
  };
  (await dpoDestinations(store, { slackChannel: s.slackChannel, dpo: s.dpo })).forEach(add('dpo'));
  directTo(s.deputies).forEach(add('deputy'));
  directTo(s.admins).forEach(add('admin'));
  return out;
}

/** store.runtime key of the destinations a DPO alert could not be delivered to. */
export const FAILING_KEY = 'incidents.failing';

export interface FailingDestination {
  to: Address;
  /** The platform's reason (`not_in_channel`, `no-conversation`, `403_MessageWritesBlocked`): a code, never content. */
  reason: string;
  since: string;
  /** The last time an alert was sent there (ISO 8601): the next try waits a while after it. */
  lastTry: string;
  /** The alert deliveries that could not be delivered there, sent again once one gets through. */
  waiting: string[];
}

export type FailingDestinations = Record<string, FailingDestination>;

/** Alerts kept waiting per destination; more are mended by the tick, which finds every open case. */
const MAX_WAITING = 500;
const SYSTEM = { platform: 'system', id: 'safecall' } as const;

function failingOf(v: unknown): FailingDestinations {
  return v && typeof v === 'object' ? (v as FailingDestinations) : {};
}

export async function failingDestinations(store: Pick<Store, 'runtime'>): Promise<FailingDestinations> {
  return failingOf((await store.runtime.get(FAILING_KEY))?.value);
}

/** Records a failed alert at `to`; resolves to its entry and whether the destination was working until now. */
export async function markFailing(store: Pick<Store, 'runtime'>, to: Address, reason: string, key: string, at: Date): Promise<{ entry: FailingDestination; newly: boolean }> {
  const id = destinationId(to);
  let newly = false;
  const written = await store.runtime.update(FAILING_KEY, (current) => {
    const all = failingOf(current?.value);
    const was = all[id];
    newly = !was;
    const waiting = was?.waiting.includes(key) ? was.waiting : [...(was?.waiting ?? []), key].slice(-MAX_WAITING);
    const entry: FailingDestination = { to: { platform: to.platform, ...(to.conversationId ? { conversationId: to.conversationId } : {}), ...(to.userId ? { userId: to.userId } : {}) }, reason, since: was?.since ?? at.toISOString(), lastTry: at.toISOString(), waiting };
    return { value: { ...all, [id]: entry }, setBy: SYSTEM, setAt: at.toISOString() };
  });
  return { entry: failingOf(written?.value)[id]!, newly };
}

/** A send to `to` got through: it is working again. Resolves to what was failing there (its waiting alerts), if anything. */
export async function markWorking(store: Pick<Store, 'runtime'>, to: Address, at: Date): Promise<FailingDestination | undefined> {
  const id = destinationId(to);
  const before = (await failingDestinations(store))[id];
  if (!before) return undefined;
  await store.runtime.update(FAILING_KEY, (current) => {
    const all = failingOf(current?.value);
    if (!all[id]) return current;
    const { [id]: _gone, ...rest } = all;
    return { value: rest, setBy: SYSTEM, setAt: at.toISOString() };
  });
  return before;
}

/** Records that an alert is being tried at a failing destination now. */
export async function markTried(store: Pick<Store, 'runtime'>, id: string, at: Date): Promise<void> {
  await store.runtime.update(FAILING_KEY, (current) => {
    const all = failingOf(current?.value);
    const entry = all[id];
    if (!entry) return current;
    return { value: { ...all, [id]: { ...entry, lastTry: at.toISOString() } }, setBy: SYSTEM, setAt: at.toISOString() };
  });
}

/** Forgets destinations the settings no longer name (nothing will be sent there again). */
export async function forgetFailing(store: Pick<Store, 'runtime'>, keep: Set<string>, at: Date): Promise<void> {
  const all = await failingDestinations(store);
  if (Object.keys(all).every((id) => keep.has(id))) return;
  await store.runtime.update(FAILING_KEY, (current) => {
    const now = failingOf(current?.value);
    return { value: Object.fromEntries(Object.entries(now).filter(([id]) => keep.has(id))), setBy: SYSTEM, setAt: at.toISOString() };
  });
}

/** What stops an incident alert reaching someone who can act on it. */
export type RouteProblem =
  | { kind: 'no-dpo' }
  | { kind: 'failing'; role: DestinationRole; to: Address; reason: string; since: string; waiting: number };

/**
 * The problems with the alert route now: no DPO destination at all, and each destination the settings name
 * that the last alert sent there could not reach. Read-only, so /healthz and the CLI may call it.
 */
export async function routeProblems(store: Pick<Store, 'runtime'>, s: AlertSettings): Promise<RouteProblem[]> {
  const destinations = await alertDestinations(store, s);
  const out: RouteProblem[] = [];
  if (!destinations.some((d) => d.role === 'dpo')) out.push({ kind: 'no-dpo' });
  const failing = await failingDestinations(store);
  for (const d of destinations) {
    const f = failing[destinationId(d.to)];
    if (f) out.push({ kind: 'failing', role: d.role, to: d.to, reason: f.reason, since: f.since, waiting: f.waiting.length });
  }
  return out;
}

const SLACK_CHANNEL_GONE = new Set(['channel_not_found', 'is_archived']);

/** What went wrong and what to do about it, in the strings' words (reports.route.*): for people, the log and /healthz. */
export function describeProblem(strings: Strings, p: RouteProblem): { problem: string; fix: string } {
  const t = (k: string, vars?: Record<string, string | number>) => strings.t(`reports.route.${k}`, vars);
  if (p.kind === 'no-dpo') return { problem: t('noDpo'), fix: t('fixNoDpo') };
  const role = t(`roles.${p.role}`);
  const where = p.to.conversationId ? p.to.conversationId : p.to.userId ?? '';
  const vars = { role, where, reason: p.reason, waiting: p.waiting };
  const kind =
    p.to.platform === 'slack'
      ? p.to.conversationId
        ? p.reason === 'not_in_channel'
          ? 'slackNotInChannel'
          : SLACK_CHANNEL_GONE.has(p.reason)
            ? 'slackChannelGone'
            : 'other'
        : 'slackPerson'
      : p.to.conversationId
        ? 'teamsChat'
        : 'teamsPerson';
  return { problem: t(`problem.${kind}`, vars), fix: t(`fix.${kind}`, vars) };
}
