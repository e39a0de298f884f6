// --self-signed mode, the minting: a CA and serving certificates generated with `selfsigned`,
// and a plan (self-signed.ts decides it) carried out on the Secret's data. Random keys, so not
// pure; no Kubernetes I/O.
import type { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';
import type { SecretData } from './cert-gateway.js';
import { sanEntries, SecretKeys, type CertLifetimes, type CertPlan } from './self-signed.js';

const SKEW_MS = 5 * 60_000; // notBefore in the past, for nodes whose clocks run behind

async function newCa(now: number, life: CertLifetimes): Promise<{ cert: string; key: string }> {
  const pems = await generate([{ name: 'commonName', value: `paas-webhook-ca-${new Date(now).toISOString().slice(0, 10)}` }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - SKEW_MS),
    notAfterDate: new Date(now + life.caValidity),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/** Issues a serving certificate for `sans` signed by `ca`, never outliving the CA. */
export async function newServing(
  ca: { cert: string; key: string; notAfter: number },
  sans: readonly string[],
  now: number,
  life: CertLifetimes,
): Promise<{ cert: string; key: string }> {
  const pems = await generate([{ name: 'commonName', value: sans.find((s) => s.includes('.svc')) ?? sans[0] ?? 'paas-webhook' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - SKEW_MS),
    notAfterDate: new Date(Math.min(now + life.servingValidity, ca.notAfter)),
    ca: { cert: ca.cert, key: ca.key },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: sanEntries(sans) },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/** What the Secret holds: its data and the CAs of its bundle, parsed (self-signed.ts' storeFacts). */
export interface StoredCerts {
  data: SecretData;
  cas: X509Certificate[];
}

/** Carries out a plan on the Secret's data: new CA first in the bundle, expired ones dropped. */
export async function applyPlan(plan: CertPlan, stored: StoredCerts, sans: readonly string[], now: number, life: CertLifetimes): Promise<SecretData> {
  const { data, cas } = stored;
  let bundle = cas.filter((_, i) => !plan.dropCas.includes(i)).map((c) => c.toString());
  const caKey = data[SecretKeys.CaKey];
  let ca = cas[0] && caKey && !plan.dropCas.includes(0) ? { cert: cas[0].toString(), key: caKey, notAfter: Date.parse(cas[0].validTo) } : undefined;
  if (plan.newCa || ca === undefined) {
    const fresh = await newCa(now, life);
    ca = { ...fresh, notAfter: now + life.caValidity };
    bundle = [fresh.cert, ...bundle];
  }
  const serving = plan.newServing ? await newServing(ca, sans, now, life) : { cert: data[SecretKeys.Cert] ?? '', key: data[SecretKeys.Key] ?? '' };
  return {
    [SecretKeys.CaBundle]: bundle.map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join(''),
    [SecretKeys.CaKey]: ca.key,
    [SecretKeys.Cert]: serving.cert,
    [SecretKeys.Key]: serving.key,
  };
}
