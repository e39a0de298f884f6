// The e2e files run two at a time on one cluster (vitest.config.ts). Most work in namespaces of
// their own and never meet: each shares the cluster (test/e2e/setup/share-cluster.ts takes a
// shared hold for every file). A few own the whole cluster while they run: they install the
// webhook in paas-system (its configuration then covers every namespace: it mutates, or refuses
// while down, every other file's Deployments) or drain a real node. Such a file calls
// `ownClusterForThisFile()`: it waits until no other file shares the cluster, and no file starts
// until it is done. Holds are files in a folder beside the cluster's kubeconfig, named by the
// holder's PID (each test file runs in a process of its own); a hold whose process died is ignored.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** Longest a file waits for the cluster (the longest owning file takes ~10 min). */
const WAIT_MS = 40 * 60_000;

function locksDir(): string {
  const kc = process.env.PAAS_E2E_KUBECONFIG;
  if (!kc) throw new Error('PAAS_E2E_KUBECONFIG is not set: run the e2e files through vitest (test/e2e/setup/global.ts sets it)');
  const dir = join(dirname(kc), 'e2e-locks');
  mkdirSync(join(dir, 'shared'), { recursive: true });
  return dir;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The PID of the file owning the cluster, if a live one does. */
function owner(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'owner', 'pid'), 'utf8'));
    if (alive(pid)) return pid;
  } catch {
    return undefined;
  }
  rmSync(join(dir, 'owner'), { recursive: true, force: true }); // its holder died
  return undefined;
}

/** The PIDs of live files sharing the cluster, but this one. */
function sharers(dir: string): number[] {
  return readdirSync(join(dir, 'shared'))
    .map(Number)
    .filter((pid) => pid !== process.pid && alive(pid));
}

async function until(what: string, ready: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`e2e: ${what} not within ${WAIT_MS / 60_000} min`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** A shared hold: waits while another file owns the cluster. Backs off when an owner came first. */
function share(dir: string): boolean {
  if (owner(dir) !== undefined && owner(dir) !== process.pid) return false;
  const mine = join(dir, 'shared', String(process.pid));
  writeFileSync(mine, '');
  // An owner may have taken the cluster between the look and the write: leave it to them.
  if (owner(dir) !== undefined && owner(dir) !== process.pid) {
    rmSync(mine, { force: true });
    return false;
  }
  return true;
}

/** Every file's shared hold for its whole run (test/e2e/setup/share-cluster.ts registers it). */
export function shareClusterForThisFile(): void {
  beforeAll(async () => {
    const dir = locksDir();
    await until('the cluster, owned by another file,', () => share(dir));
  }, WAIT_MS + 60_000);
  afterAll(() => {
    rmSync(join(locksDir(), 'shared', String(process.pid)), { force: true });
  });
}

/** This file owns the cluster for its whole run: no other file runs beside it. */
export function ownClusterForThisFile(): void {
  beforeAll(
    async () => {
      const dir = locksDir();
      // Its own shared hold goes first, or two owners would each wait for the other's.
      rmSync(join(dir, 'shared', String(process.pid)), { force: true });
      await until('the cluster, owned by another file,', () => {
        if (owner(dir) !== undefined) return false;
        try {
          mkdirSync(join(dir, 'owner'));
        } catch {
          return false;
        }
        writeFileSync(join(dir, 'owner', 'pid'), String(process.pid));
        return true;
      });
      await until('the files sharing the cluster to end', () => sharers(dir).length === 0);
    },
    2 * WAIT_MS + 60_000,
  );
  afterAll(() => {
    const dir = locksDir();
    if (existsSync(join(dir, 'owner', 'pid')) && Number(readFileSync(join(dir, 'owner', 'pid'), 'utf8')) === process.pid) {
      rmSync(join(dir, 'owner'), { recursive: true, force: true });
    }
  });
}
