#!/usr/bin/env node
// The paas-webhook executable (bin): argv and environment → ServeOptions → runServe.
// Every flag has an environment equivalent: PAAS_WEBHOOK_<FLAG> (e.g. PAAS_WEBHOOK_PORT).
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ErrorCode, ExitCode, PaasError, usageError } from '../core/errors.js';
import { COMMAND_EXITS, exitCodeHelp } from '../core/exit-codes.js';
import { FailurePolicy, Mode, NamespaceSelection, OnError } from '../core/config.js';
import { VERSION } from '../core/version.js';
import { runServe, type ServeOptions } from './server/serve.js';
import { runSelfCheckCommand } from './server/self-check-command.js';

/** Where a usage error points for help. */
const COMMAND = 'paas-webhook serve';

function port(name: string, v: unknown): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw usageError(`--${name}: must be a port number 0-65535, got ${JSON.stringify(v)}`, COMMAND);
  return n;
}

function positive(name: string, v: unknown, allowZero = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0))
    throw usageError(`--${name}: must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${JSON.stringify(v)}`, COMMAND);
  return n;
}

type ServeArgs = Awaited<ReturnType<typeof serveFlags>['argv']>;

/** The flags of `serve`, each also read from PAAS_WEBHOOK_<FLAG> (in --help's order). */
function serveFlags(y: Argv) {
  return armFlags(selfSignedFlags(listenFlags(y)))
    .option('sync-seconds', { type: 'number', default: 30, hidden: true })
    .option('identity', { type: 'string', hidden: true, describe: 'Lease holder identity (default: $POD_NAME, else hostname)' })
    .option('bench-baseline-route', { type: 'boolean', default: false, hidden: true })
    .example('paas-webhook serve --tls-cert /tls/tls.crt --tls-key /tls/tls.key', 'certificates from cert-manager, mounted from a Secret')
    .example('paas-webhook serve --self-signed --secret-namespace paas-system', 'no cert-manager: the webhook manages its own CA')
    .epilog(
      `Environment: every flag as PAAS_WEBHOOK_<FLAG>, e.g. PAAS_WEBHOOK_PORT=8443; POD_NAMESPACE and POD_NAME from the downward API.\n\n${exitCodeHelp(COMMAND_EXITS.webhook)}`,
    );
}

/** Where and how to serve: ports, certificates, config, logs, the [webhook] settings' overrides. */
function listenFlags(y: Argv) {
  return y
    .option('port', { type: 'number', default: 8443, describe: 'HTTPS port for /mutate, /healthz, /readyz' })
    .option('host', { type: 'string', default: '0.0.0.0', describe: 'Address to listen on (both ports)' })
    .option('metrics-port', { type: 'number', default: 9090, describe: 'Plain-HTTP port for /metrics, /healthz, /readyz' })
    .option('tls-cert', { type: 'string', describe: 'Serving certificate (PEM); reloaded when the file changes' })
    .option('tls-key', { type: 'string', describe: 'Serving key (PEM); reloaded when the file changes' })
    .option('cert-poll-seconds', {
      type: 'number',
      default: 10,
      describe: 'Also re-read --tls-cert/--tls-key this often (file watches can miss Secret updates)',
    })
    .option('config', {
      type: 'string',
      describe: 'paas.toml with the [deploy] policy and [webhook] settings (default: ./paas.toml if present, else built-in defaults)',
    })
    .option('log-level', {
      type: 'string',
      default: 'info',
      choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      describe: 'Log level (JSON lines on stdout)',
    })
    .option('kubeconfig', { type: 'string', describe: 'Kubeconfig for /version and --self-signed (default: in-cluster ServiceAccount, then $KUBECONFIG)' })
    .option('drain-seconds', {
      type: 'number',
      describe: 'After SIGTERM: answer 503 on /readyz but keep serving this long, then close (default: [webhook] drain_seconds, 5)',
    })
    .option('on-error', {
      type: 'string',
      choices: Object.values(OnError),
      describe: 'When the policy fails unexpectedly: deny the request or allow it unmutated (default: [webhook] on_error, deny)',
    })
    .option('max-body-bytes', { type: 'number', describe: 'Largest accepted review (default: [webhook] max_body_bytes, 3 MiB)' });
}

/** The flags of --self-signed mode. */
function selfSignedFlags<T>(y: Argv<T>) {
  return y
    .option('self-signed', {
      type: 'boolean',
      default: false,
      describe: "Generate a CA and serving pair, keep them in a Secret, write the CA into the MutatingWebhookConfiguration's caBundle, rotate before expiry",
    })
    .option('secret-name', { type: 'string', default: 'paas-webhook-tls', describe: '--self-signed: the Secret holding the CA and serving pair' })
    .option('secret-namespace', {
      type: 'string',
      describe: "The webhook's own namespace: its Secret, Lease, Service and self-check probe (default: $POD_NAMESPACE, else paas-system)",
    })
    .option('webhook-config-name', {
      type: 'string',
      default: 'paas-webhook',
      describe: 'The MutatingWebhookConfiguration whose caBundle is written (--self-signed) and which --arm arms',
    })
    .option('service-name', { type: 'string', default: 'paas-webhook', describe: '--self-signed: the Service; its DNS names go into the certificate' })
    .option('lease-name', {
      type: 'string',
      default: 'paas-webhook-cert-leader',
      describe: 'The Lease electing the replica that writes certificates (--self-signed) and arms (--arm)',
    })
    .option('tls-san', {
      type: 'string',
      array: true,
      default: [] as string[],
      describe: '--self-signed: extra DNS name or IP in the certificate (repeat or comma-separate)',
    });
}

/** The flags of arming and of the [webhook] settings it registers. */
function armFlags<T>(y: Argv<T>) {
  return y
    .option('arm', {
      type: 'boolean',
      default: false,
      describe:
        "Leader: once a server-side dry run through the configuration's self-check.paas.io entry comes back mutated, register the policy's entries " +
        '(enforce and warn) in --webhook-config-name, and keep them registered',
    })
    .option('disruption-budgets', {
      type: 'boolean',
      default: false,
      describe:
        'Leader: keep a PodDisruptionBudget (maxUnavailable 1) beside each Deployment of 2 or more replicas where the enforce entry applies ' +
        '(paas.toml [deploy] disruption_budget and the annotation paas.io/disruption-budget turn it off)',
    })
    .option('mode', {
      type: 'string',
      choices: Object.values(Mode),
      describe: 'For namespaces without a paas.io/mode label: patch, or only warn (default: [webhook] mode, enforce)',
    })
    .option('namespaces', {
      type: 'string',
      choices: Object.values(NamespaceSelection),
      describe: 'Every namespace but those opted out, or only those labelled paas.io/mode (default: [webhook] namespaces, opt-out)',
    })
    .option('failure-policy', {
      type: 'string',
      choices: Object.values(FailurePolicy),
      describe: "The enforce entry's failurePolicy once armed (default: [webhook] failure_policy, Fail)",
    });
}

/** The flags of `self-check`. */
function selfCheckFlags(y: Argv) {
  return y
    .option('namespace', { type: 'string', describe: "The webhook's namespace, where the probe is dry-run (default: $POD_NAMESPACE, else paas-system)" })
    .option('webhook-config-name', { type: 'string', default: 'paas-webhook', describe: 'The MutatingWebhookConfiguration (--expect-armed reads it)' })
    .option('expect-armed', { type: 'boolean', default: false, describe: "Also require the policy's entries in the configuration (the leader armed it)" })
    .option('timeout', { type: 'number', default: 60, describe: 'Seconds to keep retrying (every 2 s) before failing' })
    .option('kubeconfig', { type: 'string', describe: 'Kubeconfig (default: in-cluster ServiceAccount, then $KUBECONFIG)' });
}

/** The flags, checked, as ServeOptions; POD_NAMESPACE and POD_NAME come from the downward API. */
function serveOptions(a: ServeArgs, env: NodeJS.ProcessEnv): ServeOptions {
  return {
    host: a.host,
    port: port('port', a.port),
    metricsPort: port('metrics-port', a['metrics-port']),
    tlsCert: a['tls-cert'],
    tlsKey: a['tls-key'],
    certPollSeconds: positive('cert-poll-seconds', a['cert-poll-seconds']) ?? 10,
    config: a.config ?? 'paas.toml',
    configExplicit: a.config !== undefined,
    logLevel: a['log-level'],
    kubeconfig: a.kubeconfig,
    drainSeconds: positive('drain-seconds', a['drain-seconds'], true),
    onError: a['on-error'],
    maxBodyBytes: positive('max-body-bytes', a['max-body-bytes']),
    mode: a.mode,
    namespaces: a.namespaces,
    failurePolicy: a['failure-policy'],
    arm: a.arm,
    disruptionBudgets: a['disruption-budgets'],
    selfSigned: a['self-signed'],
    secretName: a['secret-name'],
    secretNamespace: a['secret-namespace'] ?? env.POD_NAMESPACE ?? 'paas-system',
    webhookConfigName: a['webhook-config-name'],
    serviceName: a['service-name'],
    leaseName: a['lease-name'],
    tlsSans: a['tls-san']
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    syncSeconds: positive('sync-seconds', a['sync-seconds']) ?? 30,
    identity: a.identity ?? env.POD_NAME,
    baselineRoute: a['bench-baseline-route'],
  };
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  await yargs(argv)
    .scriptName('paas-webhook')
    .usage(
      'paas-webhook serve [flags]\npaas-webhook self-check [flags]\n\nThe zero-downtime rollout policy as a mutating admission webhook (AdmissionReview v1, JSON Patch).',
    )
    .env('PAAS_WEBHOOK')
    .command('serve', 'Serve POST /mutate over HTTPS, /healthz and /readyz on both ports, /metrics on the metrics port', serveFlags, async (a) => {
      await runServe(serveOptions(a, env), {
        env,
        onSignal: (handler) => {
          process.on('SIGTERM', handler);
          process.on('SIGINT', handler);
        },
        exit: (code) => process.exit(code),
      });
    })
    .command(
      'self-check',
      'Prove the API server calls this webhook: a server-side dry run of a probe Deployment must come back mutated (helm test runs it)',
      selfCheckFlags,
      async (a) => {
        const lines = await runSelfCheckCommand(
          {
            namespace: a.namespace ?? env.POD_NAMESPACE ?? 'paas-system',
            configuration: a['webhook-config-name'],
            expectArmed: a['expect-armed'],
            timeoutSeconds: positive('timeout', a.timeout) ?? 60,
            ...(a.kubeconfig ? { kubeconfig: a.kubeconfig } : {}),
          },
          env,
        );
        for (const l of lines) process.stdout.write(`paas-webhook self-check: ${l}\n`);
      },
    )
    .demandCommand(1, 'Name a command: serve or self-check')
    .strict()
    .help()
    .alias('h', 'help')
    .version(VERSION)
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err: Error | undefined) => {
      if (err) throw err;
      throw usageError(msg, 'paas-webhook');
    })
    .parseAsync();
  return ExitCode.ok;
}

main(hideBin(process.argv), process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // An error of the catalogue (core/errors.ts) is one line; anything else is a bug: its stack too.
    const known = err instanceof PaasError;
    process.stderr.write(`paas-webhook: error: ${err instanceof Error ? err.message : String(err)}\n`);
    if (!known && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    // The one exit-code table of both binaries: the command line is 5, any other failure to start 1.
    process.exitCode = known && err.code === ErrorCode.Usage ? ExitCode.usage : ExitCode.problems;
  },
);
