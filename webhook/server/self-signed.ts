// --self-signed mode, the decisions: which certificates to (re)issue, given what the Secret holds
// and the clock. Pure over plain facts; generation (random keys) lives in cert-mint.ts, Kubernetes
// I/O in cert-gateway.ts, and the leader loop that runs both in cert-sync.ts.
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

const DAY = 86_400_000;

/** Lifetimes and margins of the self-signed CA and serving certificate, in milliseconds. */
export interface CertLifetimes {
  caValidity: number;
  caRenewBefore: number; // a new CA joins the bundle this long before the newest one expires
  servingValidity: number;
  servingRenewBefore: number;
  /** How long a new CA sits in the caBundle before serving certificates are signed by it. */
  caPropagation: number;
}

export const DEFAULT_LIFETIMES: CertLifetimes = {
  caValidity: 365 * DAY,
  caRenewBefore: 60 * DAY,
  servingValidity: 90 * DAY,
  servingRenewBefore: 30 * DAY,
  caPropagation: 60 * 60_000,
};

/** The Secret's keys: the CA bundle (newest first), the newest CA's key, the serving pair. */
export const SecretKeys = { CaBundle: 'ca.crt', CaKey: 'ca.key', Cert: 'tls.crt', Key: 'tls.key' } as const;

export interface CertFacts {
  notBefore: number;
  notAfter: number;
}

/** What the Secret holds, reduced to what the plan needs. */
export interface StoreFacts {
  /** CAs in the bundle, newest first. */
  cas: CertFacts[];
  caKeyPresent: boolean;
  serving?: CertFacts & { sans: string[]; issuer: number }; // issuer: index in `cas`, -1 if none
}

export interface CertPlan {
  newCa: boolean;
  newServing: boolean;
  /** Indices (in StoreFacts.cas) of expired CAs to drop from the bundle. */
  dropCas: number[];
  reasons: string[];
}

/** The SANs of the serving certificate: the Service's DNS names plus every --tls-san. */
export function servingSans(service: string, namespace: string, extra: readonly string[]): string[] {
  const names = [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`, ...extra];
  return [...new Set(names.filter((n) => n !== ''))].sort();
}

/** Decides what to issue so that the webhook always serves a valid pair its caBundle trusts. */
export function planCertificates(facts: StoreFacts, now: number, sans: readonly string[], life: CertLifetimes = DEFAULT_LIFETIMES): CertPlan {
  const reasons: string[] = [];
  const dropCas = facts.cas.flatMap((ca, i) => (ca.notAfter <= now ? [i] : []));
  const newest = facts.cas[0];
  let newCa = false;
  if (newest === undefined || !facts.caKeyPresent || newest.notAfter <= now) {
    newCa = true;
    reasons.push(newest === undefined ? 'no CA yet' : !facts.caKeyPresent ? 'CA key missing' : 'CA expired');
  } else if (newest.notAfter - now < life.caRenewBefore) {
    newCa = true;
    reasons.push(`CA expires ${new Date(newest.notAfter).toISOString()}: adding a new CA beside it`);
  }
  if (dropCas.length > 0) reasons.push(`dropping ${dropCas.length} expired CA(s) from the bundle`);
  const s = facts.serving;
  let newServing = false;
  if (s === undefined) {
    newServing = true;
    reasons.push('no serving certificate yet');
  } else if (s.notAfter - now < life.servingRenewBefore) {
    newServing = true;
    reasons.push(`serving certificate expires ${new Date(s.notAfter).toISOString()}`);
  } else if (!sameSet(s.sans, sans)) {
    newServing = true;
    reasons.push(`serving certificate SANs [${s.sans.join(', ')}] differ from [${sans.join(', ')}]`);
  } else if (s.issuer === -1 || dropCas.includes(s.issuer)) {
    newServing = true;
    reasons.push('serving certificate is not signed by a CA in the bundle');
  } else if (s.issuer > 0 && newest !== undefined && now - newest.notBefore >= life.caPropagation) {
    newServing = true;
    reasons.push('moving the serving certificate to the newest CA');
  }
  return { newCa, newServing, dropCas, reasons };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

/** Splits a PEM bundle into its certificates. */
export function splitPem(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)?.map((c) => `${c}\n`) ?? [];
}

/** The SANs of a certificate as plain names and IPs (as in servingSans). */
function certSans(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(', ')
    .map((e) => e.replace(/^(DNS|IP Address):/, ''))
    .filter((e) => e !== '')
    .sort();
}

/** Reads the Secret's PEM texts into StoreFacts; anything unparsable counts as missing. */
export function storeFacts(data: Partial<Record<string, string>>): { facts: StoreFacts; cas: X509Certificate[] } {
  const cas = splitPem(data[SecretKeys.CaBundle] ?? '')
    .flatMap((pem) => {
      try {
        return [new X509Certificate(pem)];
      } catch {
        return [];
      }
    })
    .sort((a, b) => Date.parse(b.validFrom) - Date.parse(a.validFrom));
  const times = (c: X509Certificate): CertFacts => ({ notBefore: Date.parse(c.validFrom), notAfter: Date.parse(c.validTo) });
  let serving: StoreFacts['serving'];
  try {
    const pem = data[SecretKeys.Cert];
    if (pem && data[SecretKeys.Key]) {
      const leaf = new X509Certificate(pem);
      const issuer = cas.findIndex((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
      serving = { ...times(leaf), sans: certSans(leaf), issuer };
    }
  } catch {
    serving = undefined;
  }
  return { facts: { cas: cas.map(times), caKeyPresent: Boolean(data[SecretKeys.CaKey]), serving }, cas };
}

/** The selfsigned SAN entries for names and IPs. */
export function sanEntries(sans: readonly string[]): Array<{ type: 2; value: string } | { type: 7; ip: string }> {
  return sans.map((n) => (isIP(n) ? { type: 7 as const, ip: n } : { type: 2 as const, value: n }));
}
