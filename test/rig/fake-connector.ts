/** A fake Bot Connector service (the far side of botbuilder's ConnectorClient). Records every activity sent. */
import { RecordingServer, type Recorded } from './recorder.js';

export class FakeConnector extends RecordingServer {
  private n = 0;

  constructor() {
    super((r) => {
      if (/^\/v3\/conversations\/[^/]+\/activities(\/[^/]+)?$/.test(r.path.split('?')[0]!)) return { body: { id: `activity-${++this.n}` } };
      if (r.path === '/v3/conversations') return { body: { id: `conv-${++this.n}` } };
      // Where an accepted file is PUT (the uploadUrl a test gives in its fileConsent/invoke).
      if (r.path.startsWith('/files/') && r.method === 'PUT') return { status: 201, body: { id: r.path.slice('/files/'.length) } };
      return undefined;
    });
  }

  /** Activities the bot sent or updated in one conversation (method POST = new, PUT = update). */
  activities(conversationId?: string): (Recorded & { kind: 'send' | 'update' })[] {
    return this.calls
      .filter((c) => c.path.startsWith('/v3/conversations/') && (!conversationId || c.path.includes(encodeURIComponent(conversationId))))
      .map((c) => ({ ...c, kind: c.method === 'PUT' ? ('update' as const) : ('send' as const) }));
  }

  /** The first activity sent to one conversation (ids are URL-encoded in the path). */
  waitForConversation(conversationId: string, timeoutMs?: number): Promise<Recorded> {
    return this.waitForActivity((a) => a.path.includes(`/v3/conversations/${encodeURIComponent(conversationId)}/`), timeoutMs);
  }

  waitForActivity(pred: (a: Recorded) => boolean = () => true, timeoutMs?: number): Promise<Recorded> {
    return this.waitFor((c) => c.path.startsWith('/v3/conversations/') && pred(c), timeoutMs);
  }
}
