/**
 * The bare botbuilder baseline: CloudAdapter with no credentials (no auth, as an Emulator bot) behind a
 * plain node:http server; each message is echoed back through the Bot Connector (serviceUrl).
 * Env: PORT. GET /healthz answers once it listens.
 */
import { createServer } from 'node:http';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';

const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));

const server = createServer(async (req, res) => {
  if (req.url === '/healthz') return res.writeHead(200).end('ok');
  let raw = '';
  for await (const chunk of req) raw += chunk;
  // The smallest request/response shape CloudAdapter.process accepts (what restify or express would give).
  const request = { body: JSON.parse(raw), headers: req.headers, method: req.method };
  const response = {
    socket: req.socket,
    status: (code) => (res.statusCode = code),
    header: (name, value) => res.setHeader(name, String(value)),
    send: (body) => body !== undefined && res.write(typeof body === 'string' ? body : JSON.stringify(body)),
    end: () => res.end(),
  };
  await adapter.process(request, response, async (context) => {
    if (context.activity.type === 'message') await context.sendActivity(`You said: ${context.activity.text}`);
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
