/**
 * A fake Slack Web API (the far side of Bolt's WebClient). Records every call; answers like Slack does.
 * `failNext(method, error)` makes the next call of a method fail with a Slack error code.
 */
import { RecordingServer, type Recorded } from './recorder.js';

export const BOT_USER = 'UBOT0001';
export const TEAM = 'T0SCHOOL';

export class FakeSlack extends RecordingServer {
  private ts = 1_700_000_000;
  private failures = new Map<string, string>();
  unreachable = false;

  constructor() {
    super((r) => this.reply(r));
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  failNext(method: string, error: string): void {
    this.failures.set(method, error);
  }

  /** Calls of one Web API method, e.g. `chat.postMessage`. */
  callsOf(method: string): Recorded[] {
    return this.calls.filter((c) => c.path === `/api/${method}`);
  }

  waitForMethod(method: string, pred: (body: Record<string, unknown>) => boolean = () => true, timeoutMs?: number): Promise<Recorded> {
    return this.waitFor((c) => c.path === `/api/${method}` && pred(c.body), timeoutMs);
  }

  private reply(r: Recorded) {
    if (this.unreachable) return { status: 503, body: { ok: false, error: 'service_unavailable' } };
    if (r.path.startsWith('/respond/')) return { body: { ok: true } };
    const method = r.path.replace(/^\/api\//, '');
    const failure = this.failures.get(method);
    if (failure) {
      this.failures.delete(method);
      return { body: { ok: false, error: failure } };
    }
    switch (method) {
      case 'auth.test':
        return { body: { ok: true, user_id: BOT_USER, bot_id: 'BBOT0001', team_id: TEAM, team: 'School', user: 'safecall' } };
      case 'chat.postMessage':
        return { body: { ok: true, channel: r.body.channel, ts: `${++this.ts}.000100`, message: { text: r.body.text } } };
      case 'chat.update':
        return { body: { ok: true, channel: r.body.channel, ts: r.body.ts } };
      case 'chat.postEphemeral':
        return { body: { ok: true, message_ts: `${++this.ts}.000200` } };
      case 'views.open':
      case 'views.publish':
      case 'views.update':
        return { body: { ok: true, view: { id: `V${++this.ts}` } } };
      default:
        return { body: { ok: true } };
    }
  }
}
