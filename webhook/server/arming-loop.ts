// Arming, the edge: the elected replica reads the MutatingWebhookConfiguration, asks arming.ts what
// to write, proves with the self-check that the API server reaches and trusts a serving replica,
// then writes. Fast retries until armed, a slow look after that (an installer that replaced the
// configuration, a changed paas.toml); every request bounded by the client, every outcome logged
// once per change (and again at most every minute while it lasts).
import type { FastifyBaseLogger } from 'fastify';
import type { JsonObject } from '../../core/policy/index.js';
import type { KubeClient } from '../../kube-client/client.js';
import { isStatus } from '../../kube-client/errors.js';
import { ArmAction, armDecision, Entry, type ArmSettings, type ConfigPatchOp } from './arming.js';
import type { WebhookMetrics } from './metrics.js';
import { runSelfCheck, type SelfCheckResult } from './self-check.js';

/** The calls arming makes; `kubeArmGateway` implements them, tests fake them. */
export interface ArmGateway {
  /** The configuration as stored, or undefined when it does not exist. */
  readConfiguration(): Promise<JsonObject | undefined>;
  /** Applies a JSON Patch to it; throws HttpError 409/422 when its `test` fails. */
  patchConfiguration(patch: ConfigPatchOp[]): Promise<void>;
  selfCheck(): Promise<SelfCheckResult>;
}

/** ArmGateway over the API. RBAC: get/patch on the configuration (by name), create deployments in `namespace` (dry runs). */
export function kubeArmGateway(kube: KubeClient, names: { configuration: string; namespace: string }): ArmGateway {
  const path = `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${encodeURIComponent(names.configuration)}`;
  return {
    async readConfiguration() {
      try {
        return await kube.call<JsonObject>('GET', path);
      } catch (err) {
        if (isStatus(err, 404)) return undefined;
        throw err;
      }
    },
    async patchConfiguration(patch) {
      await kube.call('PATCH', path, patch, 'application/json-patch+json');
    },
    selfCheck: () => runSelfCheck(kube, names.namespace),
  };
}

/** How a round ended. */
export const ArmState = {
  Armed: 'armed', // the entries are there (already, or written this round)
  Waiting: 'waiting', // not armed: the self-check failed, or nothing can be written yet
  Follower: 'follower', // another replica leads
} as const;
export type ArmState = (typeof ArmState)[keyof typeof ArmState];

/** Seconds until the next round: quick retries (1, 2, 4, 8, then every 10 s) until armed; a
 * follower looks every 10 s (a replica that has just been elected arms soon); an armed leader
 * every `steadySeconds`. */
export function nextRoundSeconds(state: ArmState, failedRounds: number, steadySeconds: number): number {
  if (state === ArmState.Armed) return steadySeconds;
  if (state === ArmState.Follower) return Math.min(10, steadySeconds);
  return Math.min(2 ** Math.max(0, failedRounds - 1), 10, steadySeconds);
}

/** Whether a line already logged (`last`) should be logged again now. */
export function shouldLog(last: { key: string; at: number } | undefined, key: string, now: number, everyMs = 60_000): boolean {
  return last === undefined || last.key !== key || now - last.at >= everyMs;
}

export interface ArmerOptions {
  gateway: ArmGateway;
  settings: ArmSettings;
  /** Whether this replica leads now (self-signed: the certificate loop's verdict; else one election round). */
  isLeader: () => Promise<boolean>;
  logger: FastifyBaseLogger;
  metrics: WebhookMetrics;
  now?: () => number;
}

/** One replica's arming; `round()` is one look (and, for the leader, one write when needed). */
export class Armer {
  private logged?: { key: string; at: number };
  private wasArmed = false;
  constructor(private readonly o: ArmerOptions) {}

  async round(): Promise<ArmState> {
    if (!(await this.o.isLeader())) {
      this.o.metrics.armed.set(0);
      this.wasArmed = false;
      return ArmState.Follower;
    }
    const decision = armDecision(await this.o.gateway.readConfiguration(), this.o.settings);
    if (decision.action === ArmAction.Armed) return this.armed();
    if (decision.action === ArmAction.Cannot) return this.waiting(`arming: not possible yet: ${decision.reason}`, {});
    const check = await this.o.gateway.selfCheck();
    this.o.metrics.selfChecks.inc({ result: check.ok ? 'passed' : 'failed' });
    if (!check.ok) return this.waiting('arming: self-check failed; the configuration stays disarmed (it refuses nothing)', { reason: check.reason });
    try {
      await this.o.gateway.patchConfiguration(decision.patch);
    } catch (err) {
      // Someone wrote the configuration between our read and our write: look again next round.
      if (isStatus(err, 409) || isStatus(err, 422)) return this.waiting('arming: the configuration changed meanwhile; will look again', {});
      throw err;
    }
    const { settings } = this.o;
    this.o.logger.info(
      {
        entries: [Entry.enforce, Entry.warn],
        failurePolicy: settings.failurePolicy,
        mode: settings.mode,
        namespaces: settings.namespaces,
        changes: decision.reasons,
        selfCheck: check.detail,
      },
      'arming: policy entries registered; the configured failure policy is in force',
    );
    this.wasArmed = true;
    this.o.metrics.armed.set(1);
    return ArmState.Armed;
  }

  private armed(): ArmState {
    if (!this.wasArmed) this.o.logger.info({ failurePolicy: this.o.settings.failurePolicy }, 'arming: the configuration is armed');
    this.wasArmed = true;
    this.o.metrics.armed.set(1);
    return ArmState.Armed;
  }

  private waiting(msg: string, fields: Record<string, string>): ArmState {
    this.wasArmed = false;
    this.o.metrics.armed.set(0);
    const now = (this.o.now ?? Date.now)();
    const key = `${msg} ${fields.reason ?? ''}`;
    if (shouldLog(this.logged, key, now)) {
      this.o.logger.warn(fields, msg);
      this.logged = { key, at: now };
    }
    return ArmState.Waiting;
  }
}

/** Runs `armer.round()` now and then on nextRoundSeconds' schedule; the returned function stops it. */
export function startArming(armer: Armer, o: { steadySeconds: number; logger: FastifyBaseLogger; metrics: WebhookMetrics }): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let failed = 0;
  const tick = async (): Promise<void> => {
    let state: ArmState;
    try {
      state = await armer.round();
    } catch (err) {
      o.metrics.errors.inc({ type: 'arming' });
      o.logger.error({ err: (err as Error).message }, 'arming: round failed (will retry)');
      state = ArmState.Waiting;
    }
    failed = state === ArmState.Waiting ? failed + 1 : 0;
    if (stopped) return;
    timer = setTimeout(() => void tick(), nextRoundSeconds(state, failed, o.steadySeconds) * 1000);
    timer.unref();
  };
  void tick();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
