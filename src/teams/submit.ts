/**
 * The inverse of renderCard for Teams submits: an Action.Submit's activity.value (our `data` merged with
 * the card's input values) → an action or a form submission. Anything else → null. Pure.
 */
import { DateTime } from 'luxon';
import { DEFAULT_TIME_ZONE } from './card-types.js';
import { DATE_SUFFIX, TIME_SUFFIX } from './render-form.js';

export type SubmitPayload =
  | { kind: 'action'; action: string; value: string }
  | { kind: 'form'; formId: string; values: Record<string, string>; state?: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string';

/** Input values are strings; Teams may send numbers or booleans for some inputs. Objects are not ours. */
function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  return undefined;
}

/** `YYYY-MM-DD` + `HH:mm` local to `zone` → ISO 8601 UTC (as Date#toISOString); '' when incomplete or invalid. */
function combine(date: string, time: string, zone: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !/^\d{2}:\d{2}(:\d{2})?$/.test(time)) return '';
  const at = DateTime.fromISO(`${date}T${time}`, { zone });
  return at.isValid ? at.toUTC().toJSDate().toISOString() : '';
}

function formValues(value: Record<string, unknown>, zone: string): Record<string, string> {
  const values: Record<string, string> = {};
  const dates = new Map<string, { date?: string; time?: string }>();
  for (const [key, raw] of Object.entries(value)) {
    if (key === 'safecall') continue;
    const v = scalar(raw);
    if (v === undefined) continue;
    const part = key.endsWith(DATE_SUFFIX) ? 'date' : key.endsWith(TIME_SUFFIX) ? 'time' : undefined;
    if (part) {
      const id = key.slice(0, -(part === 'date' ? DATE_SUFFIX : TIME_SUFFIX).length);
      dates.set(id, { ...dates.get(id), [part]: v });
    } else {
      values[key] = v;
    }
  }
  for (const [id, { date = '', time = '' }] of dates) values[id] = combine(date, time, zone);
  return values;
}

/**
 * Reads activity.value from a card we rendered. `timeZone` is the zone the datetime inputs were shown
 * in (default Europe/London).
 */
export function submitPayload(activityValue: unknown, timeZone: string = DEFAULT_TIME_ZONE): SubmitPayload | null {
  if (!isRecord(activityValue) || !isRecord(activityValue.safecall)) return null;
  const data = activityValue.safecall;
  if (isText(data.form) && data.form !== '') {
    if (data.state !== undefined && !isText(data.state)) return null;
    const values = formValues(activityValue, timeZone);
    return data.state === undefined ? { kind: 'form', formId: data.form, values } : { kind: 'form', formId: data.form, values, state: data.state };
  }
  if (isText(data.action) && data.action !== '') {
    if (isText(data.choice)) {
      const chosen = scalar(activityValue[data.choice]);
      return chosen === undefined ? null : { kind: 'action', action: data.action, value: chosen };
    }
    if (data.value !== undefined && !isText(data.value)) return null;
    return { kind: 'action', action: data.action, value: data.value ?? '' };
  }
  return null;
}
