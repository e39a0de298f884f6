// Starts and stops a real local control plane: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok (fake nodes and kubelets), each a child process with its own log,
// its PID recorded in <runDir>/state.json; and beside it one real node (node.ts: containerd,
// kubelet and kube-proxy in a network namespace of their own). Used by `make cluster-up`/`cluster-down`
// (test/e2e/cluster/up.ts, down.ts) and by the e2e global setup (test/e2e/setup/global.ts).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { scenarioStages } from './pod-scenarios.js';
import {
  cleanupLeftovers,
  deadNodeProcess,
  missingNodeParts,
  nodeBinDirs,
  nodeReady,
  NodeSpecs,
  prepareNodeNetwork,
  RealNode,
  startNode,
  stopNode,
  type NodeState,
} from './node.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');

/** The Kubernetes release the e2e suite and the demo run by default. */
export const DEFAULT_K8S_VERSION = 'v1.37.2';
/** The processes of one control plane, in start order (stopped in reverse). */
export const Components = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;
export type Component = (typeof Components)[number];
const Binaries = [...Components, 'kubectl'] as const;
/** Shipped with the binaries by build.sh: kwok's Stage CRD. */
const STAGE_CRD = 'kwok-stage-crd.yaml';

/** What a running control plane leaves in <runDir>/state.json. */
export type ClusterState = {
  runDir: string;
  binDir: string;
  kubeconfig: string;
  server: string;
  version: string;
  advertiseAddress: string;
  ports: Record<'etcd' | 'etcdPeer' | 'apiserver' | 'controllerManager' | 'scheduler', number>;
  pids: Partial<Record<Component, number>>;
  /** The real node, when this control plane runs one. */
  node?: NodeState;
  /** The second real node, beside the first (spread, drains). */
  node2?: NodeState;
  logs: string;
  startedAt: string;
};

export type StartOptions = {
  binDir: string;
  runDir: string;
  /** Let the processes outlive this one (make cluster-up); otherwise they die with it. */
  detached?: boolean;
  /** Total time allowed for the whole start; default 180 s. */
  timeoutMs?: number;
  nodes?: number;
  /** Also start the real node (default true); benchmarks that need only the API turn it off. */
  realNode?: boolean;
  /** How many real nodes (1 or 2; default 2, or PAAS_E2E_REAL_NODES). */
  realNodes?: number;
  /** The repository root (to find the node's binaries and images); default: three levels up. */
  root?: string;
  log?: (line: string) => void;
};

/** Raised when the control plane cannot start; the message names the component and its log. */
export class ClusterStartError extends Error {
  constructor(
    message: string,
    readonly runDir: string,
    readonly addressInUse = false,
  ) {
    super(message);
    this.name = 'ClusterStartError';
  }
}

/**
 * The apiserver's advertised address: the host end of the real node's veth, where a relay
 * forwards to the apiserver on 127.0.0.1 (API validation refuses a loopback IP in the
 * `kubernetes` Service's endpoints). Without a real node nothing dials it.
 */
export function advertiseAddress(): string {
  return RealNode.hostIp;
}

/** Free TCP ports on 127.0.0.1, held open together so one run never gets the same port twice. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((ok, fail) => {
          const s = createServer();
          s.once('error', fail);
          s.listen(0, '127.0.0.1', () => ok(s));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const a = s.address();
    if (a === null || typeof a === 'string') throw new Error('could not read a listening port');
    return a.port;
  });
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}

/** Reads <runDir>/state.json, or undefined when there is none. */
export function readState(runDir: string): ClusterState | undefined {
  const file = join(runDir, 'state.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ClusterState;
  } catch (err) {
    throw new Error(`${file}: not a control-plane state file (${(err as Error).message})`, { cause: err });
  }
}

/** True when `pid` is alive and is the process of `binary` (a recycled PID is not ours). */
export function isOurProcess(pid: number, binary: string): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return cmd === binary;
  } catch {
    return false;
  }
}

/** The last `lines` lines of a log file, for error messages. */
export function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .map((l) => (l.length > 500 ? `${l.slice(0, 500)}...` : l))
      .join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}

/** Missing binaries in binDir (empty when all are there). */
export function missingBinaries(binDir: string): string[] {
  return [...Binaries, STAGE_CRD].filter((b) => !existsSync(join(binDir, b)));
}

/**
 * Starts a control plane in `runDir` (wiped first) and waits until it can roll out pods:
 * apiserver ready, controllers and scheduler healthy, every fake node Ready and untainted,
 * the default ServiceAccount created. Retries with new ports if one was taken meanwhile.
 */
export async function startCluster(opts: StartOptions): Promise<ClusterState> {
  const missing = missingBinaries(opts.binDir);
  if (opts.realNode !== false) missing.push(...missingNodeParts(nodeBinDirs(opts.root ?? repoRoot, opts.binDir)));
  if (missing.length > 0) {
    throw new ClusterStartError(
      `control-plane binaries missing in ${opts.binDir}: ${missing.join(', ')}. Build them with \`make cluster-bin\` (needs Go).`,
      opts.runDir,
    );
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (!(err instanceof ClusterStartError && err.addressInUse && attempt < 3)) throw err;
      opts.log?.(`a port was taken by another process; retrying with new ports (attempt ${attempt + 1})`);
    }
  }
}

async function startOnce(opts: StartOptions): Promise<ClusterState> {
  const { binDir } = opts;
  const runDir = resolve(opts.runDir);
  const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
  const say = opts.log ?? (() => {});
  rmSync(runDir, { recursive: true, force: true });
  for (const d of ['pki', 'logs', 'etcd', 'kcm', 'scheduler']) mkdirSync(join(runDir, d), { recursive: true });

  const ip = advertiseAddress();
  const [etcd, etcdPeer, apiserver, controllerManager, scheduler] = (await freePorts(5)) as [number, number, number, number, number];
  const state: ClusterState = {
    runDir,
    binDir,
    kubeconfig: join(runDir, 'kubeconfig'),
    server: `https://127.0.0.1:${apiserver}`,
    version: '',
    advertiseAddress: ip,
    ports: { etcd, etcdPeer, apiserver, controllerManager, scheduler },
    pids: {},
    logs: join(runDir, 'logs'),
    startedAt: new Date().toISOString(),
  };
  const saveState = () => writeFileSync(join(runDir, 'state.json'), JSON.stringify(state, null, 2) + '\n');
  const procs = new Map<Component, ChildProcess>();
  const pki = join(runDir, 'pki');

  const start = (name: Component, args: string[]) => {
    const log = openSync(join(state.logs, `${name}.log`), 'a');
    const child = spawn(join(binDir, name), args, {
      cwd: runDir,
      // HOME in the run dir: kwok would otherwise read a ~/.kwok/kwok.yaml of the machine.
      env: { ...process.env, HOME: runDir },
      detached: opts.detached ?? false,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    child.on('error', () => {}); // reported through exitCode/the log by waitFor below
    if (opts.detached) child.unref();
    if (child.pid === undefined) throw new ClusterStartError(`${name}: could not be started`, runDir);
    procs.set(name, child);
    state.pids[name] = child.pid;
    saveState();
    say(`${name} started (pid ${child.pid})`);
  };

  const waitFor = async (name: Component, what: string, check: () => Promise<string | true>, ms: number) => {
    const until = Math.min(deadline, Date.now() + ms);
    let last = 'not checked yet';
    for (;;) {
      const child = procs.get(name);
      if (child && (child.exitCode !== null || child.signalCode !== null)) {
        throw failure(name, `${name} exited (${child.exitCode ?? child.signalCode}) before ${what}`);
      }
      try {
        const r = await check();
        if (r === true) return;
        last = r;
      } catch (err) {
        if (err instanceof ClusterStartError) throw err; // a component died: no point waiting
        last = (err as Error).message;
      }
      if (Date.now() > until) {
        throw failure(name, `${name}: ${what} did not happen within ${Math.round(ms / 1000)}s (last: ${last})`);
      }
      await sleep(250);
    }
  };
  const failure = (name: Component, message: string) => {
    const file = join(state.logs, `${name}.log`);
    const log = tail(file);
    return new ClusterStartError(
      `${message}\nlogs of this run are kept in ${state.logs}\n--- last lines of ${file} ---\n${log}`,
      runDir,
      /address already in use/.test(log),
    );
  };

  const withNode = opts.realNode !== false;
  try {
    const specs = withNode ? NodeSpecs.slice(0, realNodeCount(opts)) : [];
    if (withNode) await prepareNodeNetwork(say, specs);
    await makeCertificates(pki, ip);
    writeFileSync(state.kubeconfig, kubeconfigYaml(state.server, pki));

    start('etcd', [
      '--name=paas-e2e',
      `--data-dir=${join(runDir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcd}`,
      `--advertise-client-urls=http://127.0.0.1:${etcd}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=paas-e2e=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync',
      '--quota-backend-bytes=4294967296',
      '--log-level=warn',
    ]);
    await waitFor('etcd', 'becoming healthy', () => getOk(`http://127.0.0.1:${etcd}/health`), 30_000);

    start('kube-apiserver', apiserverArgs(state, pki, withNode));
    await waitFor('kube-apiserver', 'becoming ready (/readyz)', () => getOk(`${state.server}/readyz`, readFileSync(join(pki, 'ca.crt'))), 120_000);
    const kubectl = (args: string[], input?: string) => kubectlRun(binDir, state.kubeconfig, args, input);
    state.version = JSON.parse(await kubectl(['version', '-o', 'json'])).serverVersion.gitVersion;

    // kwok reads its Stages from the API (--enable-crds=Stage), so tests can add more at run time.
    await kubectl(['apply', '-f', join(binDir, STAGE_CRD)]);
    await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/stages.kwok.x-k8s.io']);
    await kubectl(['apply', '-f', join(here, 'stages')]);
    await kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: scenarioStages() }));
    await kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: fakeNodes(opts.nodes ?? 3, state.version) }));

    start('kube-controller-manager', controllerManagerArgs(state, pki));
    start('kube-scheduler', schedulerArgs(state));
    start('kwok', [
      `--kubeconfig=${state.kubeconfig}`,
      // Only the fake nodes: the real node's kubelet is its own.
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--enable-crds=Stage',
      // Node Leases renewed every 10 s, like kubelets: without them the node-lifecycle
      // controller marks the nodes NotReady after its grace period and taints them.
      '--node-lease-duration-seconds=40',
      `--cidr=${RealNode.fakePodCidr}`,
      `--node-ip=${RealNode.fakeNodeIp}`,
    ]);

    await waitFor('kube-controller-manager', 'becoming healthy (/healthz)', () => getOk(`https://127.0.0.1:${controllerManager}/healthz`), 60_000);
    await waitFor('kube-scheduler', 'becoming healthy (/healthz)', () => getOk(`https://127.0.0.1:${scheduler}/healthz`), 60_000);
    const nodes = opts.nodes ?? 3;
    await waitFor('kwok', `${nodes} nodes becoming Ready and untainted`, () => nodesReady(kubectl, nodes), 90_000);
    if (withNode) {
      const nodeOpts = {
        dirs: nodeBinDirs(opts.root ?? repoRoot, binDir),
        runDir,
        logs: state.logs,
        pki,
        apiserverPort: apiserver,
        detached: opts.detached ?? false,
        log: say,
      };
      // One after the other: each imports the test images into its containerd (2 cores).
      for (const spec of specs) {
        const key = spec.primary ? 'node' : 'node2';
        state[key] = await startNode({
          ...nodeOpts,
          spec,
          save: (node) => {
            state[key] = node;
            saveState();
          },
        });
      }
      await waitFor('kube-apiserver', `the real nodes ${specs.map((n) => n.name).join(', ')} becoming Ready`, () => realNodesReady(state, binDir), 120_000);
    }
    await waitFor(
      'kube-controller-manager',
      'the default ServiceAccount being created',
      async () => ((await kubectl(['get', 'serviceaccount', 'default', '-n', 'default', '-o', 'name'])).trim() ? true : 'absent'),
      60_000,
    );
    saveState();
    return state;
  } catch (err) {
    await stopCluster(state);
    // A half-made namespace; never another run's node.
    if (withNode && !state.node) for (const spec of NodeSpecs) await cleanupLeftovers(say, {}, spec).catch(() => {});
    if (err instanceof ClusterStartError) throw err;
    throw new ClusterStartError(`control plane failed to start: ${(err as Error).message}\nlogs of this run are kept in ${state.logs}`, runDir);
  }
}

/**
 * Stops every process of a control plane by its own PID (SIGTERM, then SIGKILL after 10 s),
 * newest first. A PID that now belongs to another program is left alone.
 */
export async function stopCluster(state: Pick<ClusterState, 'binDir' | 'pids' | 'node' | 'node2'>): Promise<void> {
  // The second first: the first owns the shared host paths and unmounts them.
  if (state.node2) await stopNode(state.node2);
  if (state.node) await stopNode(state.node);
  for (const name of [...Components].reverse()) {
    const pid = state.pids[name];
    if (pid === undefined || !isOurProcess(pid, join(state.binDir, name))) continue;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      continue;
    }
    const until = Date.now() + 10_000;
    while (isOurProcess(pid, join(state.binDir, name)) && !isZombie(pid) && Date.now() < until) await sleep(100);
    if (isOurProcess(pid, join(state.binDir, name)) && !isZombie(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** Kills the processes at once, synchronously (for process 'exit' handlers). */
export function killNow(state: Pick<ClusterState, 'binDir' | 'pids' | 'node' | 'node2'>): void {
  // The real nodes' processes too; their namespaces and mounts are cleaned by the next start.
  for (const node of [state.node, state.node2])
    for (const [name, pid] of Object.entries(node?.pids ?? {})) {
      const binary = node?.binaries[name as keyof NodeState['binaries']];
      if (pid !== undefined && binary && isOurProcess(pid, binary)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  for (const name of Components) {
    const pid = state.pids[name];
    if (pid !== undefined && isOurProcess(pid, join(state.binDir, name))) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

function apiserverArgs(s: ClusterState, pki: string, withNode: boolean): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${s.ports.etcd}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${s.ports.apiserver}`,
    `--advertise-address=${s.advertiseAddress}`,
    // With a real node, the `kubernetes` Service's endpoint is the advertised address, where the
    // relay listens (pods reach the API as in any cluster); without one, nothing dials it.
    `--endpoint-reconciler-type=${withNode ? 'lease' : 'none'}`,
    // The kubelet is reached at the node's InternalIP (by name, the apiserver would ask the
    // machine's DNS server, outside), with the admin's client certificate.
    '--kubelet-preferred-address-types=InternalIP',
    `--kubelet-client-certificate=${join(pki, 'admin.crt')}`,
    `--kubelet-client-key=${join(pki, 'admin.key')}`,
    `--cert-dir=${pki}`,
    `--tls-cert-file=${join(pki, 'apiserver.crt')}`,
    `--tls-private-key-file=${join(pki, 'apiserver.key')}`,
    `--client-ca-file=${join(pki, 'ca.crt')}`,
    '--authorization-mode=RBAC',
    `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
    `--service-account-key-file=${join(pki, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
    `--service-cluster-ip-range=${RealNode.serviceCidr}`,
    '--allow-privileged=true',
    '--profiling=false',
    // The default admission chain stays: MutatingAdmissionWebhook, ValidatingAdmissionPolicy,
    // ValidatingAdmissionWebhook, ResourceQuota, ServiceAccount, TaintNodesByCondition, ...
  ];
}

function controllerManagerArgs(s: ClusterState, pki: string): string[] {
  return [
    `--kubeconfig=${s.kubeconfig}`,
    `--authentication-kubeconfig=${s.kubeconfig}`,
    `--authorization-kubeconfig=${s.kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${s.ports.controllerManager}`,
    `--cert-dir=${join(s.runDir, 'kcm')}`,
    '--leader-elect=false',
    // Every default controller, as in any cluster: EndpointSlices for Services, the disruption
    // controller for PDBs, aggregated ClusterRoles, HPAs, the node lifecycle... (The cloud and
    // node-IPAM controllers have nothing to do without a cloud provider or --allocate-node-cidrs.)
    '--controllers=*',
    // CSRs are signed by the cluster's CA, as kubeadm sets it up.
    `--cluster-signing-cert-file=${join(pki, 'ca.crt')}`,
    `--cluster-signing-key-file=${join(pki, 'ca.key')}`,
    // Pods are created by the ReplicaSet controller with the admin's identity.
    '--use-service-account-credentials=false',
    `--service-account-private-key-file=${join(pki, 'sa.key')}`,
    `--root-ca-file=${join(pki, 'ca.crt')}`,
    '--cluster-name=paas-e2e',
    '--kube-api-qps=200',
    '--kube-api-burst=400',
  ];
}

function schedulerArgs(s: ClusterState): string[] {
  return [
    `--kubeconfig=${s.kubeconfig}`,
    `--authentication-kubeconfig=${s.kubeconfig}`,
    `--authorization-kubeconfig=${s.kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${s.ports.scheduler}`,
    `--cert-dir=${join(s.runDir, 'scheduler')}`,
    '--leader-elect=false',
    '--kube-api-qps=200',
    '--kube-api-burst=400',
  ];
}

/** The fake nodes: 4 CPU, 8Gi memory, 110 pods each, no taints. */
export function fakeNodes(count: number, kubeletVersion: string): object[] {
  const capacity = { cpu: '4', memory: '8Gi', pods: '110' };
  return Array.from({ length: count }, (_, i) => {
    const name = `kwok-node-${i + 1}`;
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          type: 'kwok',
        },
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      },
      spec: {},
      status: {
        capacity,
        allocatable: capacity,
        nodeInfo: {
          kubeletVersion,
          architecture: 'amd64',
          operatingSystem: 'linux',
          containerRuntimeVersion: 'containerd://2.1.0',
          kernelVersion: '6.8.0',
          osImage: 'kwok',
          kubeProxyVersion: '',
          bootID: '',
          machineID: '',
          systemUUID: '',
        },
      },
    };
  });
}

async function nodesReady(kubectl: (args: string[]) => Promise<string>, count: number): Promise<string | true> {
  const list = JSON.parse(await kubectl(['get', 'nodes', '-o', 'json'])) as {
    items: { metadata: { name: string }; spec?: { taints?: unknown[] }; status?: { conditions?: { type: string; status: string }[] } }[];
  };
  const ready = list.items.filter(
    (n) => (n.spec?.taints ?? []).length === 0 && (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  return ready.length >= count ? true : `${ready.length}/${count} nodes Ready and untainted`;
}

async function kubectlRun(binDir: string, kubeconfig: string, args: string[], input?: string): Promise<string> {
  const child = execFile(join(binDir, 'kubectl'), [`--kubeconfig=${kubeconfig}`, ...args], {
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  const out: Buffer[] = [];
  const errOut: Buffer[] = [];
  child.stdout?.on('data', (d: Buffer) => out.push(Buffer.from(d)));
  child.stderr?.on('data', (d: Buffer) => errOut.push(Buffer.from(d)));
  if (input !== undefined) child.stdin?.end(input);
  else child.stdin?.end();
  const code = await new Promise<number>((ok) => child.on('close', (c) => ok(c ?? 1)));
  if (code !== 0) {
    throw new Error(`kubectl ${args.join(' ')} failed (${code}): ${Buffer.concat(errOut).toString().trim()}`);
  }
  return Buffer.concat(out).toString();
}

/**
 * GET `url`: true on 200, else a short reason. Over TLS with no CA, the component's self-signed
 * serving certificate is accepted (a loopback health probe of our own child process).
 */
function getOk(url: string, ca?: Buffer): Promise<string | true> {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((ok, fail) => {
    const req = request(url, { timeout: 2000, ...(ca ? { ca } : { rejectUnauthorized: false }) }, (res) => {
      const body: Buffer[] = [];
      res.on('data', (d: Buffer) => body.push(d));
      res.on('end', () => ok(res.statusCode === 200 ? true : `HTTP ${res.statusCode}: ${Buffer.concat(body).toString().slice(0, 300)}`));
    });
    req.on('error', fail);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end();
  });
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('openssl is not installed; it is needed to make the cluster certificates', { cause: err });
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`, { cause: err });
  }
}

/** A CA, the apiserver's serving certificate, an admin client certificate and the service-account key pair. */
async function makeCertificates(pki: string, ip: string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=paas-e2e-ca'], pki);
  const sign = async (name: string, subject: string, ext: string) => {
    writeFileSync(join(pki, `${name}.ext`), ext);
    await openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], pki);
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '365',
        '-out',
        `${name}.crt`,
        '-extfile',
        `${name}.ext`,
      ],
      pki,
    );
  };
  const sans = [
    'IP:127.0.0.1',
    `IP:${ip}`,
    `IP:${RealNode.kubernetesServiceIp}`,
    'DNS:localhost',
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
  ].join(',');
  await sign('apiserver', '/CN=kube-apiserver', `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`);
  await sign('admin', '/O=system:masters/CN=paas-admin', 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'sa.key'], pki);
  await openssl(['ec', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], pki);
}

function kubeconfigYaml(server: string, pki: string): string {
  const b64 = (f: string) => readFileSync(join(pki, f)).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- name: paas-e2e
  cluster:
    server: ${server}
    certificate-authority-data: ${b64('ca.crt')}
users:
- name: paas-admin
  user:
    client-certificate-data: ${b64('admin.crt')}
    client-key-data: ${b64('admin.key')}
contexts:
- name: paas-e2e
  context:
    cluster: paas-e2e
    user: paas-admin
    namespace: default
current-context: paas-e2e
`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}

/** How many real nodes a start runs: the option, else PAAS_E2E_REAL_NODES, else both. */
function realNodeCount(opts: StartOptions): number {
  const n = opts.realNodes ?? Number(process.env.PAAS_E2E_REAL_NODES ?? NodeSpecs.length);
  if (!Number.isInteger(n) || n < 1 || n > NodeSpecs.length) throw new Error(`real nodes: ${n} (1 or ${NodeSpecs.length})`);
  return n;
}

/** Each real node Ready, with its heartbeat Lease (the kubelet creates it a moment after Ready);
 * a node process that died ends the wait with its log. */
async function realNodesReady(state: ClusterState, binDir: string): Promise<true | string> {
  for (const node of [state.node, state.node2]) {
    if (!node) continue;
    const name = node.spec?.name ?? RealNode.name;
    const dead = deadNodeProcess(node);
    if (dead) throw new ClusterStartError(`the real node ${name} failed to start: ${dead}`, state.runDir);
    const r = await kubectlRun(binDir, state.kubeconfig, ['get', 'node', name, '-o', 'json', '--ignore-not-found']);
    if (!r.trim()) return `${name} not registered`;
    if (!nodeReady(JSON.parse(r))) return `${name} registered, not Ready`;
    const lease = await kubectlRun(binDir, state.kubeconfig, ['get', 'lease', name, '-n', 'kube-node-lease', '-o', 'name', '--ignore-not-found']);
    if (!lease.trim()) return `${name} Ready, no Lease yet`;
  }
  return true;
}
