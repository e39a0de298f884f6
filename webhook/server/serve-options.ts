// What `paas-webhook serve` is told: its options, already validated by main.ts from the flags and
// the environment, and the one error type its start-up failures use.
import type { FailurePolicy, Mode, NamespaceSelection, OnError } from '../../core/config.js';
import { ErrorCode, PaasError } from '../../core/errors.js';

/** Everything `serve` needs, already validated by main.ts. */
export interface ServeOptions {
  host: string;
  port: number;
  metricsPort: number;
  tlsCert?: string;
  tlsKey?: string;
  config: string;
  /** --config was given: a missing file is then an error, not "use the defaults". */
  configExplicit: boolean;
  logLevel: string;
  kubeconfig?: string;
  drainSeconds?: number;
  onError?: OnError;
  maxBodyBytes?: number;
  /** Overrides of [webhook] mode, namespaces and failure_policy (the kustomize overlays set these). */
  mode?: Mode;
  namespaces?: NamespaceSelection;
  failurePolicy?: FailurePolicy;
  /** Register the policy's entries once the self-check passes (needs the API and a configuration to write). */
  arm: boolean;
  /** The leader keeps a PodDisruptionBudget beside each Deployment under the policy (budgets.ts). */
  disruptionBudgets: boolean;
  certPollSeconds: number;
  selfSigned: boolean;
  secretName: string;
  secretNamespace: string;
  webhookConfigName: string;
  serviceName: string;
  leaseName: string;
  tlsSans: string[];
  syncSeconds: number;
  identity?: string;
  baselineRoute: boolean;
}

/** A start-up failure with a message fit for the user (a missing file, no certificate source):
 * the catalogue's start failure. */
export class ServeError extends PaasError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCode.StartFailed, message, options);
    this.name = 'ServeError';
  }
}
