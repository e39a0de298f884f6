// Liveness and readiness of one webhook process, shared by the TLS and metrics ports.

/** Mutable readiness facts, set by the edges (TLS loader, config loader, SIGTERM handler). */
export interface Health {
  certLoaded: boolean;
  configValid: boolean;
  draining: boolean;
}

export function createHealth(initial: Partial<Health> = {}): Health {
  return { certLoaded: false, configValid: false, draining: false, ...initial };
}

/** Readiness as an HTTP answer: 200 when serving is safe, 503 with the reasons otherwise. */
export function readiness(h: Health): { code: 200 | 503; body: { status: 'ready' | 'unready'; reasons: string[] } } {
  const reasons: string[] = [];
  if (!h.certLoaded) reasons.push('no serving certificate loaded');
  if (!h.configValid) reasons.push('configuration not valid');
  if (h.draining) reasons.push('draining (shutting down)');
  return reasons.length === 0 ? { code: 200, body: { status: 'ready', reasons } } : { code: 503, body: { status: 'unready', reasons } };
}
