import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { signSlackRequest } from '../../sandbox/slack/sign-slack-request.js';
import { loadPlanSchema, type LoadPlan, type LoadResult } from './load-plan.js';

// The load driver runs as its own process so that the emulators' work in the bench process cannot delay sends.

interface Answer {
  status: number;
  body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1024 });

function post(plan: LoadPlan, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(plan.url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), ...signSlackRequest(plan.signingSecret, body) },
    });
    req.setTimeout(plan.timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.end(body);
  });
}

async function drive(plan: LoadPlan): Promise<LoadResult> {
  const total = Math.max(1, Math.round((plan.rate * plan.durationMs) / 1000));
  const intervalMs = 1000 / plan.rate;
  const expect = plan.expectBody === undefined ? undefined : new RegExp(plan.expectBody);
  const latencies: number[] = [];
  const dueAt: number[] = [];
  const errors: Record<string, number> = {};
  const examples: string[] = [];
  let unexpected = 0;
  let maxSendLag = 0;
  const inFlight: Promise<void>[] = [];
  const start = performance.now() + 50;

  const fire = (index: number) => {
    const due = start + index * intervalMs;
    maxSendLag = Math.max(maxSendLag, performance.now() - due);
    const body = plan.bodies[index % plan.bodies.length] as string;
    inFlight.push(
      post(plan, body).then(
        (answer) => {
          if (answer.status !== 200) {
            errors[`status ${answer.status}`] = (errors[`status ${answer.status}`] ?? 0) + 1;
            return;
          }
          latencies.push(performance.now() - due);
          dueAt.push(due - start);
          if (expect && !expect.test(answer.body)) {
            unexpected += 1;
            if (examples.length < 3) examples.push(answer.body.slice(0, 300));
          }
        },
        (err: NodeJS.ErrnoException) => {
          const kind = err.code ?? err.message;
          errors[kind] = (errors[kind] ?? 0) + 1;
        },
      ),
    );
  };

  await new Promise<void>((resolve) => {
    let next = 0;
    const pump = () => {
      const now = performance.now();
      while (next < total && start + next * intervalMs <= now) fire(next++);
      if (next >= total) return resolve();
      setTimeout(pump, Math.max(0, start + next * intervalMs - performance.now()));
    };
    setTimeout(pump, 50);
  });
  await Promise.all(inFlight);
  agent.destroy();
  return { sent: total, latenciesMs: latencies, dueAtMs: dueAt, errors, unexpected, unexpectedExamples: examples, maxSendLagMs: maxSendLag, elapsedMs: performance.now() - start };
}

const [planPath, resultPath] = process.argv.slice(2);
if (!planPath || !resultPath) {
  process.stderr.write('usage: drive-load.ts <plan.json> <result.json>\n');
  process.exit(2);
}
const plan = loadPlanSchema.parse(JSON.parse(readFileSync(planPath, 'utf8')));
writeFileSync(resultPath, JSON.stringify(await drive(plan)));
