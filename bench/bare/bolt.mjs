/**
 * The bare Bolt baseline: Bolt's own HTTPReceiver and one slash command that acknowledges and makes one
 * Web API call (chat.postMessage). Plain JavaScript, so its start-up pays for no compiler either.
 * Env: PORT, SLACK_API_URL, SLACK_SIGNING_SECRET. Prints nothing; GET /healthz answers once it listens.
 */
import bolt from '@slack/bolt';

const { App, HTTPReceiver, LogLevel } = bolt;

const receiver = new HTTPReceiver({
  signingSecret: process.env.SLACK_SIGNING_SECRET,
  customRoutes: [{ path: '/healthz', method: ['GET'], handler: (_req, res) => res.writeHead(200).end('ok') }],
});
const app = new App({
  token: 'xoxb-bench-bare',
  receiver,
  logLevel: LogLevel.ERROR,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
});

app.command(/.*/, async ({ command, ack, client }) => {
  await ack();
  await client.chat.postMessage({ channel: command.channel_id, text: `You said: ${command.text}` });
});

await app.start(Number(process.env.PORT));
process.on('SIGTERM', () => process.exit(0));
