import { App, HTTPReceiver } from '@slack/bolt';

// The floor flightdeck is compared with: Bolt over HTTP, verifying signatures the same way, and listeners that only ack.

const { PORT, SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_API_URL } = process.env;
if (!PORT || !SLACK_SIGNING_SECRET || !SLACK_BOT_TOKEN || !SLACK_API_URL) {
  process.stderr.write('bare-bolt-app needs PORT, SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN and SLACK_API_URL\n');
  process.exit(2);
}
const receiver = new HTTPReceiver({
  signingSecret: SLACK_SIGNING_SECRET,
  endpoints: '/slack/events',
  customRoutes: [{ path: '/healthz', method: ['GET'], handler: (_req, res) => res.end('{"ok":true}') }],
});
const app = new App({ token: SLACK_BOT_TOKEN, receiver, clientOptions: { slackApiUrl: SLACK_API_URL } });
app.command(/.*/, async ({ ack }) => {
  await ack();
});
app.action(/.*/, async ({ ack }) => {
  await ack();
});
await app.start(Number(PORT));
process.once('SIGTERM', () => {
  void app.stop().then(() => process.exit(0));
});
