// The real node: containerd, kubelet and kube-proxy in a network namespace of their own, beside
// the control plane and its kwok nodes. Pods on it run real containers from images built on this
// machine (test/images, imported into containerd), get real probes, hooks and signals, and are
// reached through real Services.
//
// Network layout (everything in 198.18.0.0/15, the range RFC 2544 sets aside for benchmarking,
// and the host routes all of it into the node's namespace, so no address of it ever leaves the
// machine):
//   host  paas0 198.18.0.1/30  <-veth->  eth0 198.18.0.2/30  netns paas-node (no default route)
//   pods  198.18.16.0/24 on the bridge cni0 inside the namespace
//   Services 198.18.32.0/24 (the apiserver's --service-cluster-ip-range), kwok's fake IPs 198.19.x
// The kubelet reaches the apiserver through a relay (socat) on 198.18.0.1, the apiserver reaches
// the kubelet at 198.18.0.2. Every image pull, whatever registry it names, goes to a registry on
// the namespace's own loopback (testapp registry: it holds no image, so a missing image gets a
// real registry's "not found"); `unreachable.paas.local` goes to a closed loopback port. No pull
// and no DNS lookup ever leaves the namespace. Only one real node runs on a machine at a time: components hard-wire
// host paths (/run/containerd/s, /var/lib/cni, /var/lib/kubelet/device-plugins, /var/log/containers).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSameProcess, processStart } from './proc.js';

/** Names and addresses of the real node; tests read them to reach pods and Services. */
export const RealNode = {
  name: 'paas-node',
  netns: 'paas-node',
  hostInterface: 'paas0',
  nodeInterface: 'eth0',
  hostIp: '198.18.0.1',
  nodeIp: '198.18.0.2',
  /** Everything in here is routed into the node's namespace (and nowhere else). */
  containedRange: '198.18.0.0/15',
  podCidr: '198.18.16.0/24',
  serviceCidr: '198.18.32.0/24',
  /** The `kubernetes` Service's ClusterIP (first of the range). */
  kubernetesServiceIp: '198.18.32.1',
  /** The pods' nameserver (no server behind it). */
  clusterDnsIp: '198.18.32.10',
  /** kwok's fake pod and node addresses: never answered by anyone. */
  fakePodCidr: '198.19.0.1/17',
  fakeNodeIp: '198.19.128.1',
  /** The registry every pull goes to, on the namespace's loopback. */
  registry: '127.0.0.1:5000',
  /** A registry name whose pulls go to a closed loopback port (connection refused). */
  unreachableRegistry: 'unreachable.paas.local',
  /** The taint that keeps kwok-era pods off the real node; tests that want real pods tolerate it. */
  taint: { key: 'paas.io/real-node', value: 'true', effect: 'NoSchedule' },
  label: { key: 'paas.io/node', value: 'real' },
} as const;

/** One real node's own names, addresses and places; the rest (Services, registry, taint) the
 * nodes share. Each node runs in a network namespace of its own, its pods in a cgroup root of its
 * own, its state under a machine directory of its own. */
export interface NodeSpec {
  name: string;
  netns: string;
  hostInterface: string;
  hostIp: string;
  nodeIp: string;
  podCidr: string;
  podGateway: string;
  cgroupRoot: string;
  /** Where the node's marker, sockets and containerd state live (tmpfs: gone after a reboot). */
  machineDir: string;
  /** Its end of the link between the two nodes' namespaces. */
  linkIp: string;
  /** The first node owns what the nodes share on the host: the hard-wired paths, the sysctls. */
  primary: boolean;
}

/** The link between the nodes' namespaces: pod-to-pod traffic across nodes, as a switch would
 * carry it, without the host forwarding anything (its ip_forward stays as it is). */
const NODE_LINK = { first: 'paaslink0', second: 'paaslink1' } as const;

/** The two real nodes. The first is `RealNode` (tests pin pods to it by name); the second stands
 * beside it for what needs two (spread, drains). Everything stays in 198.18.0.0/15. */
export const NodeSpecs: readonly [NodeSpec, NodeSpec] = [
  {
    name: RealNode.name,
    netns: RealNode.netns,
    hostInterface: RealNode.hostInterface,
    hostIp: RealNode.hostIp,
    nodeIp: RealNode.nodeIp,
    podCidr: RealNode.podCidr,
    podGateway: '198.18.16.1',
    cgroupRoot: 'paas-node',
    machineDir: '/run/paas-node',
    linkIp: '198.18.0.9',
    primary: true,
  },
  {
    name: 'paas-node-2',
    netns: 'paas-node-2',
    hostInterface: 'paas1',
    hostIp: '198.18.0.5',
    nodeIp: '198.18.0.6',
    podCidr: '198.18.17.0/24',
    podGateway: '198.18.17.1',
    cgroupRoot: 'paas-node-2',
    machineDir: '/run/paas-node-2',
    linkIp: '198.18.0.10',
    primary: false,
  },
];

/** Every real node's pods: kube-proxy's clusterCIDR (traffic from inside it is not masqueraded). */
const CLUSTER_POD_CIDR = '198.18.16.0/20';

/** containerd's registry hosts: every registry (_default) is the loopback one, but one. */
const RegistryHosts: Record<string, string> = {
  _default: `http://${RealNode.registry}`,
  [RealNode.unreachableRegistry]: 'http://127.0.0.1:1',
};

const ownerFile = (spec: NodeSpec): string => join(spec.machineDir, 'owner.json');
/** Host paths the components hard-wire; removed at the end when this node created them. */
const HARDWIRED = ['/run/containerd', '/var/lib/cni', '/var/lib/kubelet', '/var/log/containers', '/var/log/pods'];
/** Sysctls the kubelet sets on the host (global, not per namespace): saved and put back. */
const KUBELET_SYSCTLS = ['vm/overcommit_memory', 'kernel/panic', 'kernel/panic_on_oops'];
export const NodeComponents = ['apiserver-relay', 'registry', 'containerd', 'kubelet', 'kube-proxy'] as const;
export type NodeComponent = (typeof NodeComponents)[number];

/** What a running real node records (inside the cluster's state.json, and in /run/paas-node). */
export type NodeState = {
  /** Which node (NodeSpecs); absent in a state written before there were two (the first). */
  spec?: NodeSpec;
  dir: string;
  logs: string;
  socket: string;
  ctr: string;
  binaries: Record<NodeComponent, string>;
  pids: Partial<Record<NodeComponent, number>>;
  /** Each process's start time (proc.ts): its identity, where the PID alone could be recycled. */
  starts?: Partial<Record<NodeComponent, number>>;
  /** Host paths of HARDWIRED that did not exist before this node: removed by stopNode. */
  created: string[];
  /** Host sysctls as they were before the kubelet changed them. */
  sysctls: Record<string, string>;
  /** Pre-existing /run/netns entries, left alone by the cleanup. */
  netnsBefore: string[];
  images: string[];
};

export type NodeBinDirs = { k8s: string; containerd: string; cni: string; images: string };

/** Directories holding what the node needs, as build.sh and build-node.sh leave them. */
export function nodeBinDirs(root: string, k8sBinDir: string): NodeBinDirs {
  const pick = (prefix: string, env: string | undefined, def: string) => join(root, '.cache/bin', `${prefix}-${env ?? def}`);
  return {
    k8s: k8sBinDir,
    containerd: pick('containerd', process.env.CONTAINERD_VERSION, 'v2.4.2'),
    cni: pick('cni', process.env.CNI_VERSION, 'v1.10.0'),
    images: join(root, '.cache/images/current'),
  };
}

/** What is missing to start the real node (empty when it can start). */
export function missingNodeParts(dirs: NodeBinDirs): string[] {
  const need = [
    join(dirs.k8s, 'kubelet'),
    join(dirs.k8s, 'kube-proxy'),
    join(dirs.containerd, 'containerd'),
    join(dirs.containerd, 'containerd-shim-runc-v2'),
    join(dirs.containerd, 'ctr'),
    ...['bridge', 'host-local', 'loopback', 'portmap'].map((p) => join(dirs.cni, p)),
    join(dirs.images, '.done'),
  ].filter((p) => !existsSync(p));
  for (const tool of ['runc', 'iptables', 'conntrack', 'socat', 'nsenter', 'ip']) {
    if (!onPath(tool)) need.push(`${tool} (on PATH)`);
  }
  return need;
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, tool)));
}

type Exec = { code: number; stdout: string; stderr: string };
/** Runs a command with a bound; never throws for a non-zero exit. */
function sh(cmd: string, args: string[], timeoutMs = 30_000, input?: string): Promise<Exec> {
  return new Promise((ok) => {
    const child = execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1;
      ok({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    child.stdin?.on('error', () => {}); // a command that exits without reading its input
    child.stdin?.end(input ?? '');
  });
}
async function must(cmd: string, args: string[], timeoutMs?: number): Promise<string> {
  const r = await sh(cmd, args, timeoutMs);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}
/** Runs a command inside the node's network namespace (and nowhere else: no mount namespace). */
export function inNodeArgs(cmd: string, args: string[], spec: NodeSpec = NodeSpecs[0]): [string, string[]] {
  return ['nsenter', [`--net=/run/netns/${spec.netns}`, '--', cmd, ...args]];
}

const specOf = (state: Pick<NodeState, 'spec'> | undefined): NodeSpec => state?.spec ?? NodeSpecs[0];

/**
 * Makes each node's network namespace and its veth pair to the host, the link between the two
 * namespaces, and the routes: from the host, the whole contained range into the first node and
 * the second node's pod range into the second; between the nodes, each one's pods through the
 * link. Runs before the apiserver starts (its certificate and advertise address name the host
 * end). Cleans up whatever a crashed run left first.
 */
export async function prepareNodeNetwork(log: (line: string) => void = () => {}, specs: readonly NodeSpec[] = NodeSpecs): Promise<void> {
  for (const spec of specs) await cleanupLeftovers(log, {}, spec);
  for (const spec of specs) await nodeNamespace(spec);
  const [first, second] = specs;
  if (first && second) await linkNodes(first, second);
  // From the host, everything in the contained range goes into the first namespace: Service IPs
  // and pod IPs (the apiserver calling a webhook Service), and kwok's fake IPs (unreachable
  // there); the second node's pods, its more specific range, into the second.
  if (first) await must('ip', ['route', 'add', RealNode.containedRange, 'via', first.nodeIp, 'dev', first.hostInterface]);
  if (second) await must('ip', ['route', 'add', second.podCidr, 'via', second.nodeIp, 'dev', second.hostInterface]);
  for (const spec of specs) log(`network namespace ${spec.netns} ready (${spec.hostIp} <-> ${spec.nodeIp})`);
}

/** One node's namespace, its veth pair to the host, and what its kube-proxy needs in it. */
async function nodeNamespace(n: NodeSpec): Promise<void> {
  mkdirSync(n.machineDir, { recursive: true });
  await must('ip', ['netns', 'add', n.netns]);
  await must('ip', ['link', 'add', n.hostInterface, 'type', 'veth', 'peer', 'name', RealNode.nodeInterface, 'netns', n.netns]);
  await must('ip', ['addr', 'add', `${n.hostIp}/30`, 'dev', n.hostInterface]);
  await must('ip', ['link', 'set', n.hostInterface, 'up']);
  const inNs = (...args: string[]) => must('ip', ['-n', n.netns, ...args]);
  await inNs('link', 'set', 'lo', 'up');
  await inNs('addr', 'add', `${n.nodeIp}/30`, 'dev', RealNode.nodeInterface);
  await inNs('link', 'set', RealNode.nodeInterface, 'up');
  // Locally sent traffic to a ClusterIP needs a route before kube-proxy's DNAT rewrites it; an
  // on-link route leads nowhere when no rule matches (no default route: nothing leaves).
  await inNs('route', 'add', RealNode.serviceCidr, 'dev', RealNode.nodeInterface);
  // Per-namespace sysctls: forwarding between the veth and the pod bridge, bridged pod traffic
  // through kube-proxy's rules (a pod reaching a Service whose endpoint is on the same bridge).
  for (const [key, value] of [
    ['net.ipv4.ip_forward', '1'],
    ['net.bridge.bridge-nf-call-iptables', '1'],
  ] as const) {
    const [cmd, args] = inNodeArgs('sysctl', ['-qw', `${key}=${value}`], n);
    await must(cmd, args);
  }
}

/** A veth pair between the two namespaces (a /30 of their own) and each one's route to the
 * other's pods across it. */
async function linkNodes(a: NodeSpec, b: NodeSpec): Promise<void> {
  await must('ip', ['-n', a.netns, 'link', 'add', NODE_LINK.first, 'type', 'veth', 'peer', 'name', NODE_LINK.second, 'netns', b.netns]);
  for (const [n, dev, peer] of [
    [a, NODE_LINK.first, b],
    [b, NODE_LINK.second, a],
  ] as const) {
    await must('ip', ['-n', n.netns, 'addr', 'add', `${n.linkIp}/30`, 'dev', dev]);
    await must('ip', ['-n', n.netns, 'link', 'set', dev, 'up']);
    await must('ip', ['-n', n.netns, 'route', 'add', peer.podCidr, 'via', peer.linkIp, 'dev', dev]);
  }
}

export type StartNodeOptions = {
  dirs: NodeBinDirs;
  runDir: string;
  logs: string;
  pki: string;
  /** The apiserver's secure port on 127.0.0.1 (the relay listens on the same port on hostIp). */
  apiserverPort: number;
  detached: boolean;
  log: (line: string) => void;
  /** Called with the state as soon as a process is started, so a crash mid-start can be cleaned. */
  save: (state: NodeState) => void;
  /** Which node (default: the first). */
  spec?: NodeSpec;
};

/** Starts the relay, containerd (and imports the test images), the kubelet and kube-proxy. */
export async function startNode(opts: StartNodeOptions): Promise<NodeState> {
  const n = opts.spec ?? NodeSpecs[0];
  const dir = join(opts.runDir, n.primary ? 'node' : n.name);
  for (const d of ['containerd', 'kubelet', 'cni/net.d', 'cni/networks', 'cni/cache', 'pod-logs', 'certs.d']) mkdirSync(join(dir, d), { recursive: true });
  const logs = n.primary ? opts.logs : join(opts.logs, n.name);
  mkdirSync(logs, { recursive: true });
  const state: NodeState = {
    spec: n,
    dir,
    logs,
    socket: join(n.machineDir, 'containerd.sock'),
    ctr: join(opts.dirs.containerd, 'ctr'),
    binaries: {
      'apiserver-relay': resolveOnPath('socat'),
      registry: join(realpathSync(opts.dirs.images), 'testapp'),
      containerd: join(opts.dirs.containerd, 'containerd'),
      kubelet: join(opts.dirs.k8s, 'kubelet'),
      'kube-proxy': join(opts.dirs.k8s, 'kube-proxy'),
    },
    pids: {},
    // The first node owns what both share on the host: the hard-wired paths and the sysctls.
    created: n.primary ? HARDWIRED.filter((p) => !existsSync(p)) : [],
    sysctls: n.primary ? Object.fromEntries(KUBELET_SYSCTLS.map((k) => [k, readFileSync(`/proc/sys/${k}`, 'utf8').trim()])) : {},
    netnsBefore: existsSync('/run/netns') ? readdirSync('/run/netns').filter((e) => e !== n.netns) : [],
    images: [],
  };
  const save = () => {
    writeFileSync(ownerFile(n), JSON.stringify(state, null, 2) + '\n');
    opts.save(state);
  };
  save();

  const start = (name: NodeComponent, args: string[], inNode: boolean) => {
    const logFd = openSync(join(logs, `${name}.log`), 'a');
    const [cmd, argv] = inNode ? inNodeArgs(state.binaries[name], args, n) : [state.binaries[name], args];
    const child: ChildProcess = spawn(cmd, argv, {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: dir },
      detached: true, // own process group: the relay's forked children go with it
      stdio: ['ignore', logFd, logFd],
    });
    closeSync(logFd);
    child.on('error', () => {});
    child.unref(); // stopped by stopNode, by PID; never keeps this process alive
    if (child.pid === undefined) throw new Error(`${name}: could not be started`);
    state.pids[name] = child.pid;
    const started = processStart(child.pid, readProc);
    if (started !== undefined) state.starts = { ...state.starts, [name]: started };
    save();
    opts.log(`${n.primary ? '' : `${n.name}: `}${name} started (pid ${child.pid})`);
    return child;
  };

  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, nodeKubeconfig(`https://${n.hostIp}:${opts.apiserverPort}`, opts.pki));
  writeFileSync(join(dir, 'containerd.toml'), containerdConfig(state, opts.dirs, n));
  writeFileSync(join(dir, 'cni/net.d/10-paas.conflist'), cniConfig(dir, n));
  for (const [host, server] of Object.entries(RegistryHosts)) {
    mkdirSync(join(dir, 'certs.d', host), { recursive: true });
    writeFileSync(join(dir, 'certs.d', host, 'hosts.toml'), `server = "${server}"\n`);
  }
  writeFileSync(join(dir, 'resolv.conf'), '# no DNS inside the real node: nothing may leave it\n');
  writeFileSync(join(dir, 'kubelet.yaml'), kubeletConfig(state, opts.pki, n));
  writeFileSync(join(dir, 'kube-proxy.yaml'), kubeProxyConfig(kubeconfig, n));
  // The kubelet's cgroupRoot must exist in every hierarchy (cgroup v1: one per controller).
  for (const controller of readdirSync('/sys/fs/cgroup')) {
    if (existsSync(join('/sys/fs/cgroup', controller, 'cgroup.procs'))) mkdirSync(join('/sys/fs/cgroup', controller, n.cgroupRoot), { recursive: true });
  }

  start('apiserver-relay', [`TCP-LISTEN:${opts.apiserverPort},bind=${n.hostIp},reuseaddr,fork`, `TCP:127.0.0.1:${opts.apiserverPort}`], false);
  start('registry', ['registry', '-listen', RealNode.registry], true);
  const containerd = start('containerd', ['--config', join(dir, 'containerd.toml')], true);
  await until('containerd answering on its socket', 60_000, async () => {
    if (containerd.exitCode !== null) throw new Error(`containerd exited (${containerd.exitCode}); see ${join(logs, 'containerd.log')}`);
    return (await ctr(state, ['version'])).code === 0;
  });
  state.images = await importImages(state, opts.dirs.images);
  save();
  opts.log(`${n.primary ? '' : `${n.name}: `}images imported: ${state.images.join(', ')}`);

  start(
    'kubelet',
    [
      `--config=${join(dir, 'kubelet.yaml')}`,
      `--kubeconfig=${kubeconfig}`,
      `--root-dir=${join(dir, 'kubelet')}`,
      `--cert-dir=${join(dir, 'kubelet/pki')}`,
      `--hostname-override=${n.name}`,
      `--node-ip=${n.nodeIp}`,
      `--node-labels=${RealNode.label.key}=${RealNode.label.value},kubernetes.io/os=linux`,
      '--v=2',
    ],
    true,
  );
  start('kube-proxy', [`--config=${join(dir, 'kube-proxy.yaml')}`, '--v=2'], true);
  return state;
}

function resolveOnPath(tool: string): string {
  for (const d of (process.env.PATH ?? '').split(':')) if (d && existsSync(join(d, tool))) return join(d, tool);
  throw new Error(`${tool} is not on PATH (make cluster-bin installs it)`);
}

async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  let last = '';
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = (err as Error).message;
      if (/exited/.test(last)) throw err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000}s${last ? ` (${last})` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Runs ctr against the node's containerd (k8s.io namespace, where the CRI looks). */
export function ctr(state: Pick<NodeState, 'socket' | 'ctr'>, args: string[], timeoutMs = 60_000): Promise<Exec> {
  return sh(state.ctr, ['--address', state.socket, '--namespace', 'k8s.io', ...args], timeoutMs);
}

async function importImages(state: NodeState, imagesDir: string): Promise<string[]> {
  for (const file of readdirSync(imagesDir)
    .filter((f) => f.endsWith('.tar'))
    .sort()) {
    const r = await ctr(state, ['images', 'import', join(imagesDir, file)], 120_000);
    if (r.code !== 0) throw new Error(`ctr images import ${file} failed: ${r.stderr.trim()}`);
  }
  const list = await ctr(state, ['images', 'ls', '-q']);
  return list.stdout.split('\n').filter((l) => l.startsWith('paas.local/'));
}

/** The first node process that has exited, with the end of its log (undefined while all run). */
export function deadNodeProcess(state: NodeState): string | undefined {
  for (const name of NodeComponents) {
    const pid = state.pids[name];
    if (pid !== undefined && !isAlive(state, name)) {
      const log = (() => {
        try {
          return readFileSync(join(state.logs, `${name}.log`), 'utf8')
            .trimEnd()
            .split('\n')
            .filter((l) => /^[EF]\d{4}|error|fatal/i.test(l))
            .slice(-5)
            .join('\n');
        } catch {
          return '';
        }
      })();
      return `${name} (pid ${pid}) exited; ${join(state.logs, `${name}.log`)} says:\n${log}`;
    }
  }
  return undefined;
}

/** Ready when the kubelet has registered the node and it reports Ready. */
export function nodeReady(node: { status?: { conditions?: { type: string; status: string }[] } } | undefined): boolean {
  return (node?.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Stops the real node and removes everything it made: its processes (by PID), the containers'
 * processes (by the PIDs in its cgroups) and the shims, mounts, network namespaces, cgroups,
 * the host paths it created, and the host sysctls the kubelet changed. Safe to call twice.
 */
export async function stopNode(state: NodeState | undefined, log: (line: string) => void = () => {}, spec: NodeSpec = specOf(state)): Promise<void> {
  if (state) {
    await stopPid(state, 'kubelet');
    await stopPid(state, 'kube-proxy');
    killCgroupProcesses(spec);
    killShims(state.socket);
    // The rest, newest first (whatever NodeComponents holds, so none is forgotten).
    for (const name of [...NodeComponents].reverse()) await stopPid(state, name);
  }
  killCgroupProcesses(spec);
  // The shared host paths' mounts go with the first node, which owns them.
  const shared = spec.primary ? ['/run/containerd', '/var/lib/kubelet', '/run/netns'] : [];
  await unmountUnder(
    [state?.dir, spec.machineDir, ...shared, join('/run/netns', spec.netns)].filter((p): p is string => !!p),
    state?.netnsBefore ?? [],
  );
  for (const entry of existsSync('/run/netns') ? readdirSync('/run/netns') : []) {
    if (((spec.primary && entry.startsWith('cni-')) || entry === spec.netns) && !(state?.netnsBefore ?? []).includes(entry)) {
      await sh('ip', ['netns', 'delete', entry]);
    }
  }
  await sh('ip', ['link', 'delete', spec.hostInterface]);
  removeCgroups(spec);
  if (state) {
    for (const [key, value] of Object.entries(state.sysctls)) {
      try {
        writeFileSync(`/proc/sys/${key}`, value);
      } catch {
        // not restorable here; reported by the leftovers check
      }
    }
    for (const p of state.created) rmSync(p, { recursive: true, force: true });
    rmSync(join(state.dir, 'containerd'), { recursive: true, force: true });
    rmSync(join(state.dir, 'kubelet'), { recursive: true, force: true });
  }
  rmSync(spec.machineDir, { recursive: true, force: true });
  log(`real node ${spec.name} stopped and cleaned up`);
}

/**
 * What a stopped node left behind, if anything: its processes, network namespaces, mounts,
 * cgroups, the host interface, the host paths it created, sysctls not put back. Empty when clean.
 */
export function nodeLeftovers(state: NodeState | undefined, spec: NodeSpec = specOf(state)): string[] {
  const left: string[] = [];
  if (state) {
    for (const c of NodeComponents) if (isAlive(state, c)) left.push(`process ${c} (pid ${state.pids[c]})`);
    for (const p of state.created) if (existsSync(p)) left.push(`host path ${p}`);
    for (const [key, value] of Object.entries(state.sysctls)) {
      const now = readFileSync(`/proc/sys/${key}`, 'utf8').trim();
      if (now !== value) left.push(`sysctl ${key.replace(/\//g, '.')} = ${now} (was ${value})`);
    }
  }
  const netns = existsSync('/run/netns')
    ? readdirSync('/run/netns').filter((e) => (e === spec.netns || (spec.primary && e.startsWith('cni-'))) && !(state?.netnsBefore ?? []).includes(e))
    : [];
  left.push(...netns.map((e) => `network namespace ${e}`));
  left.push(
    ...cgroupDirs(spec)
      .map((d) => `cgroup ${d}`)
      .slice(0, 5),
  );
  if (existsSync(`/sys/class/net/${spec.hostInterface}`)) left.push(`interface ${spec.hostInterface}`);
  const roots = [state?.dir, spec.machineDir].filter((p): p is string => !!p);
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m && roots.some((r) => m === r || m.startsWith(`${r}/`)));
  left.push(...mounts.map((m) => `mount ${m}`));
  for (const p of shimPids(join(spec.machineDir, 'containerd.sock'))) left.push(`process containerd-shim-runc-v2 (pid ${p})`);
  return left;
}

/**
 * Cleans up after a run that died without stopping its node (the marker in /run/paas-node).
 * A node whose processes still run is refused unless `stopRunning` (make cluster-down).
 */
export async function cleanupLeftovers(
  log: (line: string) => void = () => {},
  opts: { stopRunning?: boolean } = {},
  spec: NodeSpec = NodeSpecs[0],
): Promise<void> {
  let owner: NodeState | undefined;
  try {
    owner = JSON.parse(readFileSync(ownerFile(spec), 'utf8')) as NodeState;
  } catch {
    owner = undefined;
  }
  const netnsThere = existsSync(join('/run/netns', spec.netns));
  if (!owner && !netnsThere) return;
  if (owner && NodeComponents.some((c) => isAlive(owner, c)) && !opts.stopRunning) {
    throw new Error(
      `a real node is already running on this machine (state in ${owner.dir}); one machine runs one (its components share host paths). ` +
        `Stop it first: make cluster-down (or PAAS_E2E_KUBECONFIG=<its kubeconfig> to run the e2e suite against it)`,
    );
  }
  log(
    owner && NodeComponents.some((c) => isAlive(owner, c)) ? `stopping the real node of ${owner.dir}` : 'cleaning up a real node left behind by an earlier run',
  );
  await stopNode(owner, log, spec);
}

const readProc = (path: string): string => readFileSync(path, 'utf8');

/** Whether the node's process `name` still runs: the same process by its start time; for a state
 * written before start times were kept, a live process whose command line names the binary. */
function isAlive(state: Pick<NodeState, 'pids' | 'binaries' | 'starts'>, name: NodeComponent): boolean {
  const pid = state.pids[name];
  if (pid === undefined) return false;
  const start = state.starts?.[name];
  if (start !== undefined) return isSameProcess(pid, start, readProc);
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes(state.binaries[name]) && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function stopPid(state: NodeState, name: NodeComponent): Promise<void> {
  const pid = state.pids[name];
  if (pid === undefined || !isAlive(state, name)) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      // The relay forks a child per connection: its whole process group goes.
      if (name === 'apiserver-relay') process.kill(-pid, sig);
      else process.kill(pid, sig);
    } catch {
      // gone meanwhile
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + 10_000;
  while (isAlive(state, name) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(state, name)) signal('SIGKILL');
}

/** SIGKILL for every process in the node's cgroups (the containers and their sandboxes). */
function killCgroupProcesses(spec: NodeSpec): void {
  for (const pid of cgroupPids(spec)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}

function cgroupDirs(spec: NodeSpec): string[] {
  const out: string[] = [];
  if (!existsSync('/sys/fs/cgroup')) return out;
  for (const controller of readdirSync('/sys/fs/cgroup')) {
    const top = join('/sys/fs/cgroup', controller, spec.cgroupRoot);
    if (!existsSync(top)) continue;
    const walk = (d: string) => {
      out.push(d);
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
    };
    walk(top);
  }
  return out;
}

function cgroupPids(spec: NodeSpec): number[] {
  const pids = new Set<number>();
  for (const d of cgroupDirs(spec)) {
    try {
      for (const l of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n')) if (l.trim()) pids.add(Number(l));
    } catch {
      // removed meanwhile
    }
  }
  return [...pids];
}

/** Removes the node's cgroups, deepest first (a cgroup is removed with rmdir once empty). */
function removeCgroups(spec: NodeSpec): void {
  const dirs = cgroupDirs(spec).sort((a, b) => b.length - a.length);
  for (let attempt = 0; attempt < 20 && dirs.some((d) => existsSync(d)); attempt++) {
    for (const d of dirs) {
      try {
        rmdirSync(d); // rmdir(2) removes a cgroup once it has no processes and no children
      } catch {
        // not empty yet: next round
      }
    }
  }
}

/** PIDs of the containerd shims of this machine's real node (their -address names its socket). */
function shimPids(socket: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.endsWith('containerd-shim-runc-v2') && argv.includes(socket)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

function killShims(socket: string): void {
  for (const pid of shimPids(socket)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}

/** Unmounts every mount under the given paths, deepest first (lazily: a busy mount is detached). */
async function unmountUnder(paths: string[], keepNetns: string[]): Promise<void> {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m)
    .map((m) => m.replace(/\\040/g, ' '))
    .filter((m) => paths.some((p) => m === p || m.startsWith(`${p}/`)))
    .filter((m) => !keepNetns.some((k) => m === join('/run/netns', k)))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await sh('umount', ['-l', m]);
}

function nodeKubeconfig(server: string, pki: string): string {
  const b64 = (f: string) => readFileSync(join(pki, f)).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- name: paas-e2e
  cluster:
    server: ${server}
    certificate-authority-data: ${b64('ca.crt')}
users:
- name: node
  user:
    client-certificate-data: ${b64('admin.crt')}
    client-key-data: ${b64('admin.key')}
contexts:
- name: node
  context: {cluster: paas-e2e, user: node}
current-context: node
`;
}

function containerdConfig(state: NodeState, dirs: NodeBinDirs, n: NodeSpec): string {
  return `version = 3
root = ${JSON.stringify(join(state.dir, 'containerd'))}
state = ${JSON.stringify(join(n.machineDir, 'containerd-state'))}

[grpc]
  address = ${JSON.stringify(state.socket)}

[plugins]
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = 'overlayfs'
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = 'paas.local/pause:1'
    [plugins.'io.containerd.cri.v1.images'.registry]
      config_path = ${JSON.stringify(join(state.dir, 'certs.d'))}

  [plugins.'io.containerd.cri.v1.runtime']
    # This VM withholds CAP_SYS_RESOURCE: nothing may lower oom_score_adj.
    restrict_oom_score_adj = true
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = 'runc'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = 'io.containerd.runc.v2'
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = ${JSON.stringify(resolveOnPath('runc'))}
          SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = [${JSON.stringify(dirs.cni)}]
      conf_dir = ${JSON.stringify(join(state.dir, 'cni/net.d'))}

  [plugins.'io.containerd.grpc.v1.cri']
    stream_server_address = '127.0.0.1'
    stream_server_port = '0'
`;
}

function cniConfig(dir: string, n: NodeSpec): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'paas-node',
      plugins: [
        {
          type: 'bridge',
          bridge: 'cni0',
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            dataDir: join(dir, 'cni/networks'),
            ranges: [[{ subnet: n.podCidr, gateway: n.podGateway }]],
            routes: [{ dst: '0.0.0.0/0' }],
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

function kubeletConfig(state: NodeState, pki: string, n: NodeSpec): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# This machine's cgroup hierarchy is v1 and it runs no systemd.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /${n.cgroupRoot}
containerRuntimeEndpoint: unix://${state.socket}
address: ${n.nodeIp}
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: ${join(pki, 'ca.crt')}}
authorization: {mode: AlwaysAllow}
registerNode: true
registerWithTaints:
- {key: ${RealNode.taint.key}, value: "${RealNode.taint.value}", effect: ${RealNode.taint.effect}}
resolvConf: ${join(state.dir, 'resolv.conf')}
# A cluster DNS address, as every cluster has (else the kubelet warns MissingClusterDNS on each
# pod); no server answers there: nothing the pods ask can leave the node.
clusterDNS: [${RealNode.clusterDnsIp}]
clusterDomain: cluster.local
podLogsDir: ${join(state.dir, 'pod-logs')}
failSwapOn: false
# Nothing may lower oom_score_adj here (no CAP_SYS_RESOURCE).
oomScoreAdj: 0
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
maxPods: 110
shutdownGracePeriod: 0s
`;
}

function kubeProxyConfig(kubeconfig: string, n: NodeSpec): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: ${kubeconfig}}
hostnameOverride: ${n.name}
mode: iptables
clusterCIDR: ${CLUSTER_POD_CIDR}
bindAddress: 0.0.0.0
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# Leave the machine-wide conntrack sysctls alone.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
`;
}
