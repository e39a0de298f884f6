// Self-signed mode's decisions (certificate plan, Lease, cluster facts from /version), then the
// plan carried out with real generated certificates: a rotation keeps the old CA trusted.
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { applyPlan } from '../../../webhook/server/cert-mint.js';
import { factsFromVersion } from '../../../core/cluster-facts.js';
import { leaseDecision, LeaseAction, RELEASED, shouldRelease } from '../../../webhook/server/lease.js';
import { DEFAULT_LIFETIMES, planCertificates, SecretKeys, servingSans, splitPem, storeFacts, type StoreFacts } from '../../../webhook/server/self-signed.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-23T06:00:00Z');
const SANS = servingSans('paas-webhook', 'paas-system', ['127.0.0.1']);
const ca = (bornDaysAgo: number, lifeDays = 365) => ({ notBefore: NOW - bornDaysAgo * DAY, notAfter: NOW + (lifeDays - bornDaysAgo) * DAY });
const serving = (bornDaysAgo: number, issuer = 0, sans = SANS, lifeDays = 90) => ({ ...ca(bornDaysAgo, lifeDays), sans, issuer });

describe('servingSans', () => {
  it('lists the Service DNS names and the extra SANs, once each', () => {
    expect(servingSans('hook', 'ns', ['127.0.0.1', 'hook'])).toEqual(['127.0.0.1', 'hook', 'hook.ns', 'hook.ns.svc', 'hook.ns.svc.cluster.local']);
  });
});

describe('planCertificates', () => {
  const cases: Array<{ name: string; facts: StoreFacts; newCa: boolean; newServing: boolean; dropCas?: number[] }> = [
    { name: 'creates a CA and a serving pair in an empty Secret', facts: { cas: [], caKeyPresent: false }, newCa: true, newServing: true },
    { name: 'keeps a fresh, matching pair', facts: { cas: [ca(10)], caKeyPresent: true, serving: serving(10) }, newCa: false, newServing: false },
    {
      name: 'renews the serving certificate 30 days before expiry',
      facts: { cas: [ca(65)], caKeyPresent: true, serving: serving(65) },
      newCa: false,
      newServing: true,
    },
    { name: 'reissues when the SANs changed', facts: { cas: [ca(1)], caKeyPresent: true, serving: serving(1, 0, ['other']) }, newCa: false, newServing: true },
    {
      name: 'reissues a serving certificate signed by no CA in the bundle',
      facts: { cas: [ca(1)], caKeyPresent: true, serving: serving(1, -1) },
      newCa: false,
      newServing: true,
    },
    {
      name: 'adds a new CA 60 days before the CA expires, keeping the serving pair for now',
      facts: { cas: [ca(310)], caKeyPresent: true, serving: serving(5) },
      newCa: true,
      newServing: false,
    },
    {
      name: 'moves the serving certificate to the newest CA once it has propagated',
      facts: { cas: [ca(1), ca(311)], caKeyPresent: true, serving: serving(5, 1) },
      newCa: false,
      newServing: true,
    },
    {
      name: 'waits for a brand-new CA to propagate before using it',
      facts: { cas: [{ notBefore: NOW - 60_000, notAfter: NOW + 365 * DAY }, ca(311)], caKeyPresent: true, serving: serving(5, 1) },
      newCa: false,
      newServing: false,
    },
    {
      name: 'drops an expired old CA from the bundle',
      facts: { cas: [ca(30), ca(400)], caKeyPresent: true, serving: serving(20, 0) },
      newCa: false,
      newServing: false,
      dropCas: [1],
    },
    {
      name: 'starts over when the only CA expired',
      facts: { cas: [ca(400)], caKeyPresent: true, serving: serving(1, 0) },
      newCa: true,
      newServing: true,
      dropCas: [0],
    },
    { name: 'adds a CA when the CA key was lost', facts: { cas: [ca(10)], caKeyPresent: false, serving: serving(10) }, newCa: true, newServing: false },
  ];
  it.each(cases)('$name', ({ facts, newCa, newServing, dropCas }) => {
    const plan = planCertificates(facts, NOW, SANS);
    expect({ newCa: plan.newCa, newServing: plan.newServing, dropCas: plan.dropCas }).toEqual({ newCa, newServing, dropCas: dropCas ?? [] });
    if (newCa || newServing) expect(plan.reasons.length).toBeGreaterThan(0);
  });
});

describe('leaseDecision', () => {
  it.each([
    { name: 'creates a missing Lease', lease: undefined, action: LeaseAction.Create },
    { name: 'renews its own Lease', lease: { holder: 'me', renewTime: NOW - 1000, durationSeconds: 60 }, action: LeaseAction.Renew },
    { name: 'follows a live Lease of another replica', lease: { holder: 'other', renewTime: NOW - 30_000, durationSeconds: 60 }, action: LeaseAction.Follow },
    { name: 'takes over an expired Lease', lease: { holder: 'other', renewTime: NOW - 61_000, durationSeconds: 60 }, action: LeaseAction.Takeover },
    { name: 'takes over a Lease nobody holds', lease: { holder: '', renewTime: NOW }, action: LeaseAction.Takeover },
    { name: 'uses the default duration when the Lease has none', lease: { holder: 'other', renewTime: NOW - 20_000 }, action: LeaseAction.Follow },
    {
      name: 'takes a Lease released this instant',
      lease: { holder: RELEASED.holder, renewTime: NOW, durationSeconds: RELEASED.durationSeconds },
      action: LeaseAction.Takeover,
    },
    {
      name: 'takes a released Lease even when its times look live',
      lease: { holder: RELEASED.holder, renewTime: NOW + 5000, durationSeconds: 60 },
      action: LeaseAction.Takeover,
    },
    { name: 'takes a Lease whose holder field is absent', lease: { renewTime: NOW, durationSeconds: 60 }, action: LeaseAction.Takeover },
    { name: 'takes back a Lease it released itself', lease: { holder: RELEASED.holder, renewTime: NOW, durationSeconds: 1 }, action: LeaseAction.Takeover },
  ])('$name', ({ lease, action }) => {
    expect(leaseDecision(lease, 'me', NOW, 60)).toBe(action);
  });
});

describe('shouldRelease (on shutdown)', () => {
  it.each([
    { name: 'releases the Lease it holds', lease: { holder: 'me', renewTime: NOW, durationSeconds: 60 }, me: 'me', release: true },
    {
      name: 'releases it even past its expiry (nobody took it yet)',
      lease: { holder: 'me', renewTime: NOW - 120_000, durationSeconds: 60 },
      me: 'me',
      release: true,
    },
    { name: 'leaves a Lease another replica holds', lease: { holder: 'other', renewTime: NOW, durationSeconds: 60 }, me: 'me', release: false },
    { name: 'leaves a Lease already released', lease: { holder: RELEASED.holder, renewTime: NOW, durationSeconds: 1 }, me: 'me', release: false },
    { name: 'leaves a missing Lease', lease: undefined, me: 'me', release: false },
    { name: 'an empty identity never matches an empty holder', lease: { holder: '' }, me: '', release: false },
  ])('$name', ({ lease, me, release }) => {
    expect(shouldRelease(lease, me)).toBe(release);
  });

  it('a released Lease names no holder and lapses within a second', () => {
    expect(RELEASED).toEqual({ holder: '', durationSeconds: 1 });
  });
});

describe('factsFromVersion', () => {
  it.each([
    { name: 'native sleep on 1.37', v: { major: '1', minor: '37', gitVersion: 'v1.37.2' }, native: true },
    { name: 'native sleep on 1.30 (beta, on by default)', v: { major: '1', minor: '30' }, native: true },
    { name: 'exec on 1.29', v: { major: '1', minor: '29' }, native: false },
    { name: 'reads provider minors like "31+"', v: { major: '1', minor: '31+', gitVersion: 'v1.31.4-eks-2d5f260' }, native: true },
    { name: 'falls back to gitVersion when major/minor are empty', v: { major: '', minor: '', gitVersion: 'v1.33.0' }, native: true },
    { name: 'exec when the version is not understood', v: { gitVersion: 'v0.0.0-master', major: '', minor: '' }, native: false },
    { name: 'exec when the version could not be read', v: undefined, native: false },
  ])('$name', ({ v, native }) => {
    const r = factsFromVersion(v);
    expect(r.facts.nativeSleep).toBe(native);
    expect(r.reason).toMatch(native ? /native lifecycle sleep/ : /exec sleep/);
  });
});

describe('applyPlan with generated certificates', () => {
  const verifies = (leafPem: string, bundle: string): boolean => {
    const leaf = new X509Certificate(leafPem);
    return splitPem(bundle).some((pem) => {
      const c = new X509Certificate(pem);
      return leaf.checkIssued(c) && leaf.verify(c.publicKey);
    });
  };

  it('issues a CA and a serving certificate with the SANs, trusted by the bundle', async () => {
    const { facts, cas } = storeFacts({});
    const data = await applyPlan(planCertificates(facts, NOW, SANS), { data: {}, cas }, SANS, Date.now(), DEFAULT_LIFETIMES);
    const leaf = new X509Certificate(data[SecretKeys.Cert] ?? '');
    expect(leaf.subjectAltName).toContain('DNS:paas-webhook.paas-system.svc');
    expect(leaf.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(new X509Certificate(splitPem(data[SecretKeys.CaBundle] ?? '')[0] ?? '').ca).toBe(true);
    expect(verifies(data[SecretKeys.Cert] ?? '', data[SecretKeys.CaBundle] ?? '')).toBe(true);
    const again = storeFacts(data);
    expect(planCertificates(again.facts, Date.now(), SANS)).toMatchObject({ newCa: false, newServing: false });
  });

  it('rotates the CA with an overlap: new CA joins the bundle, the serving pair moves to it after propagation', async () => {
    const now = Date.now();
    const step = async (data: Record<string, string | undefined>, at: number) => {
      const { facts, cas } = storeFacts(data);
      const plan = planCertificates(facts, at, SANS);
      return { plan, data: await applyPlan(plan, { data, cas }, SANS, at, DEFAULT_LIFETIMES) };
    };
    const born = await step({}, now - 300 * DAY); // the CA has 65 days left now, 55 in ten days
    const renewed = await step(born.data, now - 5 * DAY); // serving renewed, still by the old CA
    expect(renewed.plan).toMatchObject({ newCa: false, newServing: true });

    const rotated = await step(renewed.data, now + 10 * DAY);
    expect(rotated.plan).toMatchObject({ newCa: true, newServing: false });
    const bundle = splitPem(rotated.data[SecretKeys.CaBundle] ?? '');
    expect(bundle).toHaveLength(2);
    expect(bundle[1]?.trim()).toBe(splitPem(born.data[SecretKeys.CaBundle] ?? '')[0]?.trim());
    expect(rotated.data[SecretKeys.Cert]).toBe(renewed.data[SecretKeys.Cert]);
    expect(verifies(rotated.data[SecretKeys.Cert] ?? '', rotated.data[SecretKeys.CaBundle] ?? '')).toBe(true);

    const moved = await step(rotated.data, now + 10 * DAY + 2 * 3_600_000);
    expect(moved.plan).toMatchObject({ newCa: false, newServing: true });
    expect(splitPem(moved.data[SecretKeys.CaBundle] ?? '')).toHaveLength(2);
    const leaf = new X509Certificate(moved.data[SecretKeys.Cert] ?? '');
    expect(leaf.checkIssued(new X509Certificate(bundle[0] ?? ''))).toBe(true);
    expect(verifies(moved.data[SecretKeys.Cert] ?? '', moved.data[SecretKeys.CaBundle] ?? '')).toBe(true);
  });
});
