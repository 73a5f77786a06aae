/**
 * Files on Teams (the breach log): a bot may send a file only in a personal chat, and only after the person
 * accepts it. SafeCall sends a FileConsentCard; the file waits in the store (sealed with the data key when
 * one is set, gone after an hour); when the person accepts, Teams sends `fileConsent/invoke` with an upload
 * URL, SafeCall PUTs the file there and posts a file card. Declined or expired, the file is deleted.
 * Needs `supportsFiles: true` in the Teams manifest. Nothing of the file is logged.
 */
import { randomUUID } from 'node:crypto';
import type { Activity } from 'botbuilder';
import pTimeout from 'p-timeout';
import type { Clock, Log, Store } from '../core/ports.js';
import { plainSealer, type MaybeSealed, type Sealer } from '../core/sealer.js';

export const FILE_CONSENT_CARD = 'application/vnd.microsoft.teams.card.file.consent';
export const FILE_INFO_CARD = 'application/vnd.microsoft.teams.card.file.info';
export const FILE_CONSENT_INVOKE = 'fileConsent/invoke';
/** store.requests kind of a file waiting for the person's consent. */
export const PENDING_FILE = 'teams.file';
/** How long an offered file waits for the person to accept it. */
export const FILE_OFFER_TTL_MS = 60 * 60 * 1000;
export const UPLOAD_TIMEOUT_MS = 20_000;

export interface OfferedFile {
  name: string;
  mime: string;
  content: string;
}

export interface FileConsentOptions {
  store: Store;
  clock: Clock;
  log: Log;
  sealer?: Sealer;
  /** Local mode: only loopback upload URLs. Otherwise an https URL, as Teams gives. */
  mayCall?: (url: string | undefined) => boolean;
}

interface ConsentValue {
  type?: unknown;
  action?: unknown;
  context?: { file?: unknown };
  uploadInfo?: { name?: unknown; uploadUrl?: unknown; contentUrl?: unknown; uniqueId?: unknown; fileType?: unknown };
}

export type ConsentOutcome = 'sent' | 'declined' | 'gone' | 'failed';

export function fileConsent(o: FileConsentOptions) {
  const sealer = o.sealer ?? plainSealer;

  /** Keeps the file for the person and returns the consent card to send them. */
  async function offer(file: OfferedFile, who: { id: string }, conversationId: string, description: string): Promise<Partial<Activity>> {
    const key = `teams-file:${randomUUID()}`;
    const now = o.clock.now();
    const size = Buffer.byteLength(file.content, 'utf8');
    await o.store.requests.put(
      key,
      { id: key, kind: PENDING_FILE, platform: 'teams', userId: who.id, conversationId, createdAt: now.toISOString(), detail: { name: file.name, mime: file.mime, sealed: sealer.seal(file.content) } },
      { expiresAt: new Date(now.getTime() + FILE_OFFER_TTL_MS) },
    );
    return {
      type: 'message',
      attachments: [{ contentType: FILE_CONSENT_CARD, name: file.name, content: { description, sizeInBytes: size, acceptContext: { file: key }, declineContext: { file: key } } }],
    };
  }

  const allowed = (url: unknown): url is string => typeof url === 'string' && (o.mayCall ? o.mayCall(url) : /^https:\/\//.test(url));

  /**
   * The person's answer. Only they can take the file (same person, same chat). Resolves to what happened
   * and, when sent, the file card to post.
   */
  async function answer(activity: Activity, personId: string): Promise<{ outcome: ConsentOutcome; card?: Partial<Activity> }> {
    const v = (activity.value ?? {}) as ConsentValue;
    const key = typeof v.context?.file === 'string' ? v.context.file : '';
    const pending = key.startsWith('teams-file:') ? await o.store.requests.get(key) : undefined;
    if (!pending || pending.kind !== PENDING_FILE || pending.userId !== personId || pending.conversationId !== activity.conversation.id) {
      o.log.info({ reason: pending ? 'not-theirs' : 'gone' }, 'teams: a file consent answer found no file waiting for that person');
      return { outcome: 'gone' };
    }
    if (v.action !== 'accept') {
      await o.store.requests.delete(key);
      o.log.info({ action: typeof v.action === 'string' ? v.action.slice(0, 20) : 'none' }, 'teams: a file was declined and deleted');
      return { outcome: 'declined' };
    }
    const info = v.uploadInfo ?? {};
    if (!allowed(info.uploadUrl)) {
      o.log.warn({ reason: 'upload-url' }, 'teams: a file consent gave an upload URL SafeCall will not call');
      return { outcome: 'failed' };
    }
    const detail = pending.detail as { name: string; mime: string; sealed: MaybeSealed };
    const body = Buffer.from(sealer.open(detail.sealed), 'utf8');
    try {
      const res = await pTimeout(
        fetch(info.uploadUrl, { method: 'PUT', headers: { 'content-type': detail.mime, 'content-length': String(body.length), 'content-range': `bytes 0-${body.length - 1}/${body.length}` }, body }),
        { milliseconds: UPLOAD_TIMEOUT_MS },
      );
      if (!res.ok) throw new Error(`status ${res.status}`);
    } catch (err) {
      o.log.warn({ err: (err as Error).message.slice(0, 80) }, 'teams: a file upload failed');
      return { outcome: 'failed' };
    }
    await o.store.requests.delete(key);
    o.log.info({ bytes: body.length, mime: detail.mime }, 'teams: a file was uploaded after the person accepted it');
    const text = (x: unknown, fallback: string) => (typeof x === 'string' && x.length <= 2048 ? x : fallback);
    return {
      outcome: 'sent',
      card: {
        type: 'message',
        attachments: [{ contentType: FILE_INFO_CARD, contentUrl: text(info.contentUrl, ''), name: text(info.name, detail.name), content: { uniqueId: text(info.uniqueId, ''), fileType: text(info.fileType, '') } }],
      },
    };
  }

  return { offer, answer };
}
