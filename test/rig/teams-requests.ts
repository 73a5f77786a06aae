/** Emulator-style Teams activities, posted to /api/messages as the Bot Framework Emulator would. */
export const TENANT = 'tenant-0001';
export const BOT = { id: '28:safecall-bot', name: 'SafeCall' };

export interface Who {
  id: string;
  name?: string;
}

export function activity(serviceUrl: string, conversationId: string, from: Who, extra: Record<string, unknown>, kind: 'personal' | 'channel' = 'personal') {
  return {
    channelId: 'msteams',
    serviceUrl,
    id: `in-${Math.random().toString(36).slice(2, 10)}`,
    timestamp: new Date().toISOString(),
    from: { id: `29:${from.id}`, aadObjectId: from.id, name: from.name ?? `Teacher ${from.id}` },
    recipient: BOT,
    conversation: { id: conversationId, conversationType: kind, tenantId: TENANT },
    channelData: { tenant: { id: TENANT } },
    locale: 'en-GB',
    ...extra,
  };
}

export const message = (serviceUrl: string, conv: string, from: Who, text: string, kind: 'personal' | 'channel' = 'personal') =>
  activity(serviceUrl, conv, from, { type: 'message', text }, kind);

export const cardSubmit = (serviceUrl: string, conv: string, from: Who, value: Record<string, unknown>, replyToId: string) =>
  activity(serviceUrl, conv, from, { type: 'message', value, replyToId });

export const botAdded = (serviceUrl: string, conv: string, from: Who) =>
  activity(serviceUrl, conv, from, { type: 'conversationUpdate', membersAdded: [{ id: BOT.id, name: BOT.name }] });

export const invoke = (serviceUrl: string, conv: string, from: Who, name: string, value: unknown) =>
  activity(serviceUrl, conv, from, { type: 'invoke', name, value });

export async function postTeams(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text };
}
