// The command line of a `paas-webhook serve` a test starts: loopback, the ports and files given,
// no drain unless asked. One list, so every test starts the webhook the same way.

export interface ServeArgs {
  port: number;
  metricsPort: number;
  /** Flags that go first (self-signed mode's, say). */
  mode?: string[];
  cert?: string;
  key?: string;
  kubeconfig?: string;
  config?: string;
  drainSeconds?: number;
  logLevel?: string;
}

/** `serve` and its flags, to follow the path of webhook/main.ts (or the built bin). */
export function serveArgs(o: ServeArgs): string[] {
  return [
    'serve',
    ...(o.mode ?? []),
    '--host',
    '127.0.0.1',
    '--port',
    String(o.port),
    '--metrics-port',
    String(o.metricsPort),
    ...(o.cert ? ['--tls-cert', o.cert] : []),
    ...(o.key ? ['--tls-key', o.key] : []),
    ...(o.kubeconfig ? ['--kubeconfig', o.kubeconfig] : []),
    ...(o.config ? ['--config', o.config] : []),
    '--drain-seconds',
    String(o.drainSeconds ?? 0),
    ...(o.logLevel ? ['--log-level', o.logLevel] : []),
  ];
}
