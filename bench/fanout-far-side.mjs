/**
 * The fan-out benchmark's far side (bench/fanout.ts), run in a worker thread: Slack's chat.postMessage and
 * the Bot Connector's send, each enforcing a rolling one-second window per conversation and platform-wide
 * with 429 + Retry-After. Counts what it received (Slack by the delivery key in the message metadata,
 * Teams by conversation); bodies are not kept. Plain JavaScript: worker threads do not load tsx.
 * Also: the most calls (answered or 429) and the most admitted sends seen in any rolling second, and the
 * sends per sender, where the Slack API URL carries a tag (`/<tag>/api/`, bench/cluster.ts: one per instance).
 */
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { URLSearchParams } from 'node:url';

const { perConversation, global } = workerData.limit;
const recent = [];
const calls = [];
let maxCalls = 0;
let maxAdmitted = 0;
const bySender = new Map();
const perConv = new Map();
const received = new Map();
let limited = 0;
let n = 0;

function admit(conv) {
  const now = performance.now();
  calls.push(now);
  while (calls[0] <= now - 1000) calls.shift();
  maxCalls = Math.max(maxCalls, calls.length);
  while (recent.length && recent[0] <= now - 1000) recent.shift();
  const mine = (perConv.get(conv) ?? []).filter((t) => t > now - 1000);
  if (recent.length >= global || mine.length >= perConversation) {
    limited += 1;
    return false;
  }
  recent.push(now);
  maxAdmitted = Math.max(maxAdmitted, recent.length);
  mine.push(now);
  perConv.set(conv, mine);
  return true;
}

const server = createServer(async (req, res) => {
  let raw = '';
  for await (const c of req) raw += c;
  const path = req.url ?? '/';
  const json = (status, body, headers = {}) => res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  const slack = /^(?:\/([\w-]+))?\/api\/chat\.postMessage$/.exec(path);
  if (slack) {
    const form = new URLSearchParams(raw);
    const channel = form.get('channel') ?? '';
    if (!admit(channel)) return json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' });
    const key = JSON.parse(form.get('metadata') ?? '{}').event_payload?.key ?? '';
    received.set(key, (received.get(key) ?? 0) + 1);
    const sender = slack[1] ?? '';
    bySender.set(sender, (bySender.get(sender) ?? 0) + 1);
    return json(200, { ok: true, channel, ts: `${1_700_000_000 + ++n}.000100` });
  }
  const teams = /^\/v3\/conversations\/([^/]+)\/activities/.exec(path);
  if (teams) {
    const conv = decodeURIComponent(teams[1]);
    if (!admit(conv)) return json(429, { error: { code: 'TooManyRequests' } }, { 'retry-after': '1' });
    received.set(conv, (received.get(conv) ?? 0) + 1);
    return json(200, { id: `activity-${++n}` });
  }
  json(404, { ok: false, error: 'unknown_method' });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ url: `http://127.0.0.1:${server.address().port}` }));
// 'count': how many distinct messages so far (polled while a fan-out runs); anything else: everything.
parentPort.on('message', (m) =>
  parentPort.postMessage(m === 'count' ? { distinct: received.size } : { received: [...received], limited, maxCalls, maxAdmitted, bySender: [...bySender] }),
);
