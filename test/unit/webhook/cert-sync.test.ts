// CertSync, the self-signed mode's loop, over an in-memory CertGateway (the store the Secret,
// Lease and caBundle would live in; resourceVersions make conflicts real). The API calls
// themselves are exercised against kube-apiserver in test/e2e/manifests.test.ts.
import { describe, expect, it } from 'vitest';
import type { CertGateway } from '../../../webhook/server/cert-gateway.js';
import { applyPlan } from '../../../webhook/server/cert-mint.js';
import { CertSync } from '../../../webhook/server/cert-sync.js';
import { LeaseElector } from '../../../webhook/server/leader.js';
import { HttpError } from '../../../kube-client/errors.js';
import { DEFAULT_LIFETIMES, planCertificates, SecretKeys, servingSans, splitPem } from '../../../webhook/server/self-signed.js';
import { captureLogger } from './harness.js';

type Data = Partial<Record<string, string>>;

function memoryGateway() {
  const state = {
    secret: undefined as { data: Data; resourceVersion: string } | undefined,
    lease: undefined as { holder: string; renewTime: number; durationSeconds: number; resourceVersion: string } | undefined,
    caBundle: '',
    rv: 0,
    writes: 0,
    leaseWrites: 0,
  };
  const conflict = () => new HttpError(409, '{"message":"conflict"}', '/leases/x');
  const gw: CertGateway = {
    readSecret: async () => (state.secret ? structuredClone(state.secret) : undefined),
    writeSecret: async (data, rv) => {
      if ((state.secret?.resourceVersion ?? undefined) !== rv) throw conflict();
      state.secret = { data: structuredClone(data), resourceVersion: String(++state.rv) };
      state.writes++;
    },
    readLease: async () => (state.lease ? { ...state.lease } : undefined),
    writeLease: async (holder, durationSeconds, now, rv) => {
      if ((state.lease?.resourceVersion ?? undefined) !== rv) throw conflict();
      state.lease = { holder, durationSeconds, renewTime: now.getTime(), resourceVersion: String(++state.rv) };
      state.leaseWrites++;
    },
    setCaBundle: async (pem) => {
      if (state.caBundle === pem) return 'unchanged';
      state.caBundle = pem;
      return 'updated';
    },
  };
  return { gw, state };
}

const SANS = servingSans('paas-webhook', 'paas-system', ['127.0.0.1']);

describe('CertSync', () => {
  it('one leader issues the pair and the caBundle; a follower serves the same pair; a dead leader is replaced', async () => {
    const { gw, state } = memoryGateway();
    let now = Date.now();
    const clock = () => now;
    const { logger } = captureLogger();
    const a = new CertSync({ gateway: gw, sans: SANS, identity: 'pod-a', logger, now: clock, leaseSeconds: 60 });
    const b = new CertSync({ gateway: gw, sans: SANS, identity: 'pod-b', logger, now: clock, leaseSeconds: 60 });

    const pa = await a.sync();
    expect(a.leader).toBe(true);
    expect(pa?.cert).toBe(state.secret?.data[SecretKeys.Cert]);
    expect(state.caBundle).toBe(state.secret?.data[SecretKeys.CaBundle]);
    expect(splitPem(state.caBundle)).toHaveLength(1);

    const pb = await b.sync();
    expect(b.leader).toBe(false);
    expect(pb?.fingerprint).toBe(pa?.fingerprint);

    // Nothing changed: no new pair, no write.
    const writes = state.writes;
    expect(await a.sync()).toBeUndefined();
    expect(await b.sync()).toBeUndefined();
    expect(state.writes).toBe(writes);

    // pod-a stops renewing; after the lease duration pod-b takes over, and keeps the same pair.
    now += 61_000;
    expect(await b.sync()).toBeUndefined();
    expect(b.leader).toBe(true);
    expect(state.lease?.holder).toBe('pod-b');
    expect(await a.sync()).toBeUndefined();
    expect(a.leader).toBe(false);
  });

  it('on a write conflict the leader takes the Secret another replica wrote', async () => {
    const { gw, state } = memoryGateway();
    const { logger } = captureLogger();
    const now = Date.now();
    const theirs = await applyPlan(planCertificates({ cas: [], caKeyPresent: false }, now, SANS), { data: {}, cas: [] }, SANS, now, DEFAULT_LIFETIMES);
    const racing: CertGateway = {
      ...gw,
      writeSecret: async (data, rv) => {
        // Another replica writes its own pair first, between our read and our write.
        if (state.secret === undefined) await gw.writeSecret(theirs, undefined);
        return gw.writeSecret(data, rv);
      },
    };
    const a = new CertSync({ gateway: racing, sans: SANS, identity: 'pod-a', logger });
    const pair = await a.sync();
    expect(pair?.cert).toBe(theirs[SecretKeys.Cert]);
    expect(state.secret?.data).toEqual(theirs);
    expect(state.writes).toBe(1);
  });

  describe('release() on shutdown', () => {
    async function pair() {
      const m = memoryGateway();
      const now = Date.now();
      const log = captureLogger();
      const make = (identity: string, gateway: CertGateway = m.gw) =>
        new CertSync({ gateway, sans: SANS, identity, logger: log.logger, now: () => now, leaseSeconds: 60 });
      const a = make('pod-a');
      const b = make('pod-b');
      await a.sync();
      await b.sync();
      expect(a.leader).toBe(true);
      expect(b.leader).toBe(false);
      return { ...m, a, b, make, lines: log.lines, now };
    }

    it('the leader writes the Lease released (no holder, 1 s) and the other replica takes it on its next round, not after 60 s', async () => {
      const { state, a, b, lines, now } = await pair();
      const rv = state.lease?.resourceVersion;
      expect(await a.release()).toBe('released');
      expect(state.lease).toMatchObject({ holder: '', durationSeconds: 1, renewTime: now });
      expect(state.lease?.resourceVersion).not.toBe(rv);
      expect(a.leader).toBe(false);
      expect(lines.some((l) => l.msg === 'self-signed: Lease released; another replica can take over at once')).toBe(true);
      // Same instant: no lease has expired, yet pod-b leads now.
      await b.sync();
      expect(b.leader).toBe(true);
      expect(state.lease?.holder).toBe('pod-b');
    });

    it('after release, a late round of the stopped replica neither takes the Lease back nor writes anything', async () => {
      const { state, a } = await pair();
      await a.release();
      const writes = { lease: state.leaseWrites, secret: state.writes };
      expect(await a.sync()).toBeUndefined();
      expect(state.lease?.holder).toBe('');
      expect({ lease: state.leaseWrites, secret: state.writes }).toEqual(writes);
    });

    it('a follower leaves the Lease alone', async () => {
      const { state, b } = await pair();
      const before = { ...state.lease };
      expect(await b.release()).toBe('not-held');
      expect(state.lease).toEqual(before);
    });

    it('waits for a round in flight, so that round cannot renew the Lease after it was released', async () => {
      const { gw, state } = memoryGateway();
      let letGo!: () => void;
      const held = new Promise<void>((r) => (letGo = r));
      const slow: CertGateway = {
        ...gw,
        writeLease: async (...args) => {
          await held;
          return gw.writeLease(...args);
        },
      };
      const { logger } = captureLogger();
      const a = new CertSync({ gateway: slow, sans: SANS, identity: 'pod-a', logger });
      const round = a.sync(); // reads: no Lease; its create is held
      const released = a.release();
      letGo();
      await round;
      expect(await released).toBe('released');
      expect(state.lease?.holder).toBe('');
    });

    it('a conflict or an API error is logged and reported, never thrown', async () => {
      const { gw, state, make, lines } = await pair();
      const racing: CertGateway = {
        ...gw,
        writeLease: async (holder, seconds, at, rv) => {
          // Someone writes the Lease between our read and our write: the resourceVersion guard holds.
          await gw.writeLease('pod-a', 60, at, state.lease?.resourceVersion);
          return gw.writeLease(holder, seconds, at, rv);
        },
      };
      const a = make('pod-a', racing);
      await a.sync();
      expect(await a.release()).toBe('failed');
      expect(state.lease?.holder).toBe('pod-a');
      expect(lines.some((l) => l.msg === 'self-signed: Lease not released; another replica takes over when it expires' && l.conflict === true)).toBe(true);

      const down: CertGateway = {
        ...gw,
        readLease: async () => {
          throw new HttpError(503, '{"message":"unavailable"}', '/secrets/x');
        },
      };
      expect(await make('pod-a', down).release()).toBe('failed');
    });
  });

  it('arming without self-signed certificates elects over the same Lease; after release it never takes it back', async () => {
    const { gw, state } = memoryGateway();
    const { logger, lines } = captureLogger();
    const now = Date.now();
    const make = (identity: string) => new LeaseElector({ leases: gw, identity, logger, prefix: 'arming', role: 'arms the configuration', now: () => now });
    const a = make('pod-a');
    const b = make('pod-b');
    expect([await a.lead(), await b.lead()]).toEqual([true, false]);
    expect(lines.some((l) => l.msg === 'arming: this replica now arms the configuration' && l.identity === 'pod-a')).toBe(true);
    expect(await a.release()).toBe('released');
    const writes = state.leaseWrites;
    expect(await a.lead()).toBe(false);
    expect(state.leaseWrites).toBe(writes);
    expect(await b.lead()).toBe(true);
    expect(state.lease?.holder).toBe('pod-b');
  });
});
