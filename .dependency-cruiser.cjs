/**
 * The layering of flightdeck, enforced (`npm run lint`). docs/architecture.md explains each rule; when a rule
 * and that page disagree, fix one of them in the same change.
 *
 * Dependencies point down:
 *   composition root (src/cli.ts, src/start-flightdeck.ts)
 *   → src/slack (Bolt edge, listeners, views) → commands/ (slash-command parsing and wording)
 *   → src/api (the CI API's HTTP routes, served by the Slack edge's server)
 *   → src/use-cases → src/auth, src/queue → src/run/store → src/run/core
 *   → src/k8s, src/probes, src/pagerduty, src/observability → src/net → src/checklist, src/config, src/errors
 */

/** Libraries that talk to the network, a disk or a process: none of them belongs in the pure core. */
const IO_MODULES = [
  '(^|/)node_modules/(ioredis|bullmq|pg|ws|pino|prom-client|@slack/[^/]+|@kubernetes/[^/]+|@pagerduty/[^/]+)/',
  '^(node:)?(http|https|http2|net|tls|dgram|dns|fs|fs/promises|child_process|worker_threads|cluster|timers/promises)$',
];

const COMPOSITION_ROOT = '^src/(cli|start-flightdeck)\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle means two modules are one module in two files, or a layer imports a layer above it.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'commands-only-from-the-edge',
      severity: 'error',
      comment: 'Only the Slack edge and the composition root know slash commands; everything below them goes through src/use-cases.',
      from: { path: '^src/', pathNot: ['^src/slack/', COMPOSITION_ROOT] },
      to: { path: '^commands/' },
    },
    {
      name: 'commands-not-slack',
      severity: 'error',
      comment: 'commands/ says what to answer (text, which dialog to open); src/slack turns that into Block Kit and Bolt calls.',
      from: { path: '^commands/' },
      to: { path: ['^src/slack/', '(^|/)node_modules/@slack/'] },
    },
    {
      name: 'commands-through-use-cases',
      severity: 'error',
      comment: 'A slash command parses, calls a use case and words the answer; it never drives queues, clusters or probes itself.',
      from: { path: '^commands/' },
      to: { path: '^src/(queue|k8s|probes|pagerduty|observability)/' },
    },
    {
      name: 'use-cases-not-edge',
      severity: 'error',
      comment: 'Use cases are called by the edge (Slack, CLI, workers through injected functions) and never know it.',
      from: { path: '^src/use-cases/' },
      to: { path: ['^src/slack/', '^src/api/', '^commands/', '(^|/)node_modules/@slack/', COMPOSITION_ROOT] },
    },
    {
      name: 'api-through-use-cases',
      severity: 'error',
      comment: 'The CI API is an edge beside Slack: it authenticates, validates and calls the use cases; it never drives queues or clusters, nor knows Slack or the slash commands.',
      from: { path: '^src/api/' },
      to: { path: ['^src/(slack|queue|k8s|probes|pagerduty)/', '^commands/', '(^|/)node_modules/@slack/', COMPOSITION_ROOT] },
    },
    {
      name: 'queue-below-use-cases',
      severity: 'error',
      comment: 'Workers are below the use cases: a worker that needs one (an automatic rollback) gets it injected through WorkerDeps.',
      from: { path: '^src/queue/' },
      to: { path: ['^src/use-cases/', '^src/slack/', '^commands/', '(^|/)node_modules/@slack/(bolt|web-api)/', COMPOSITION_ROOT] },
    },
    {
      name: 'run-core-is-pure',
      severity: 'error',
      comment: 'The state machine is a pure function of (run, event, now): no I/O library, and nothing above it.',
      from: { path: '^src/run/core/' },
      to: {
        path: [...IO_MODULES, '^src/(run/store|queue|use-cases|slack|auth|k8s|pagerduty|observability|config)/', '^commands/', COMPOSITION_ROOT],
      },
    },
    {
      name: 'run-store-below-queue',
      severity: 'error',
      comment: 'The store is Redis and Lua only: it knows runs, not queues, Slack or clusters.',
      from: { path: '^src/run/store/' },
      to: {
        path: ['(^|/)node_modules/(bullmq|@slack/[^/]+|@kubernetes/[^/]+|@pagerduty/[^/]+)/', '^src/(queue|use-cases|slack|auth|k8s|pagerduty|observability)/', '^commands/', COMPOSITION_ROOT],
      },
    },
    {
      name: 'bolt-only-in-slack',
      severity: 'error',
      comment: 'Transport stays at the edge: only src/slack speaks Bolt.',
      from: { path: '^(src|commands)/', pathNot: '^src/slack/' },
      to: { path: '(^|/)node_modules/@slack/bolt/' },
    },
    {
      name: 'adapters-below-the-flow',
      severity: 'error',
      comment: 'Cluster, probe, PagerDuty and observability adapters are leaves: they never reach up into runs, queues or the edge.',
      from: { path: '^src/(k8s|probes|pagerduty|net|checklist|config|errors)/' },
      to: { path: ['^src/(run|queue|use-cases|slack|auth)/', '^commands/', COMPOSITION_ROOT] },
    },
    {
      name: 'production-not-tests',
      severity: 'error',
      comment:
        'Shipped code never imports the test world (fixtures, helpers) or the emulators in sandbox/. The one way into sandbox/ is ' +
        "src/cli.ts's import() of sandbox/start-sandbox.ts by a computed URL, which the production image (without sandbox/) answers with a message.",
      from: { path: '^(src|commands)/' },
      to: { path: '^(test|bench|sandbox)/' },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A module nobody imports is dead (knip double-checks exports).',
      from: { orphan: true, path: '^(src|commands)/', pathNot: [COMPOSITION_ROOT, '\\.d\\.ts$'] },
      to: {},
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve fails at run time.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|coverage)/' },
    // TypeScript 7 (the native compiler) has no JavaScript API for dependency-cruiser to parse with; swc
    // parses the sources instead. swc does not tell type-only imports apart, so the rules count them too.
    parser: 'swc',
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.d.ts', '.json'],
    },
    reporterOptions: {
      archi: { collapsePattern: '^(src/[^/]+|src/run/[^/]+|src/queue/[^/]+|commands)/' },
    },
  },
};
