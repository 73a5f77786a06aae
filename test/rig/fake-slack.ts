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

  /** The files uploaded through files.uploadV2, with the conversation each was shared to. */
  uploads(): { fileId: string; channel?: string; content: string; filename?: string }[] {
    return this.calls
      .filter((c) => c.path.startsWith('/upload/'))
      .map((c) => {
        const fileId = c.path.slice('/upload/'.length);
        const complete = this.callsOf('files.completeUploadExternal').find((x) => JSON.stringify(x.body.files ?? '').includes(fileId));
        const start = this.callsOf('files.getUploadURLExternal').find((x) => x.reply?.file_id === fileId);
        return { fileId, channel: complete?.body.channel_id as string | undefined, content: multipartContent(c.raw ?? ''), filename: start?.body.filename as string | undefined };
      });
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
    // files.uploadV2's step 2: the file itself, sent to the upload_url that getUploadURLExternal gave.
    if (r.path.startsWith('/upload/')) return { body: { ok: true } };
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
      case 'chat.getPermalink':
        return { body: { ok: true, channel: r.body.channel, permalink: `https://school.slack.com/archives/${String(r.body.channel)}/p${String(r.body.message_ts).replace('.', '')}` } };
      case 'conversations.open':
        return { body: { ok: true, channel: { id: `D${String((r.body.users as string | undefined) ?? 'X').replace(/[^A-Z0-9]/gi, '')}` } } };
      case 'files.getUploadURLExternal': {
        const id = `F${++this.ts}`;
        return { body: { ok: true, upload_url: `${this.url}/upload/${id}`, file_id: id } };
      }
      case 'files.completeUploadExternal': {
        const files = (typeof r.body.files === 'string' ? JSON.parse(r.body.files) : r.body.files) as { id: string; title?: string }[];
        return { body: { ok: true, files: files.map((f) => ({ id: f.id, title: f.title ?? '' })) } };
      }
      case 'views.open':
      case 'views.publish':
      case 'views.update':
        return { body: { ok: true, view: { id: `V${++this.ts}` } } };
      default:
        return { body: { ok: true } };
    }
  }
}

/** The one part's content of a multipart/form-data body (the uploaded file). */
function multipartContent(raw: string): string {
  const boundary = raw.split('\r\n', 1)[0] ?? '';
  const part = raw.split(boundary)[1] ?? '';
  const start = part.indexOf('\r\n\r\n');
  return start < 0 ? '' : part.slice(start + 4).replace(/\r\n$/, '');
}
