// The CPU the cluster benches read: a process's (utime + stime of /proc/<pid>/stat, in clock
// ticks) and a pod's (its cgroup v1 cpuacct.usage, in nanoseconds). Shared by admission.bench.ts,
// admission-logging.bench.ts and webhook.bench.ts.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { processTicks } from './admission-stats.js';

/** Clock ticks per second, the unit of /proc/<pid>/stat's times. */
export const clockTicksPerSecond = (): number => Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** utime + stime of process `pid` so far, in clock ticks. */
export const processCpuTicks = (pid: number): number => processTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));

/** The CPU of some pods so far, in nanoseconds: the sum of their cgroups' cpuacct.usage. */
export const podsCpuNs = (pods: readonly { cgroup: string }[]): number =>
  pods.reduce((sum, p) => sum + Number(readFileSync(join(p.cgroup, 'cpuacct.usage'), 'utf8')), 0);

/** The counters the admission benches read around a phase: the API server's and the webhook pods'. */
export interface CpuCounters {
  apiserverTicks: number;
  webhookNs: number;
}

export const cpuCounters = (apiserverPid: number, pods: readonly { cgroup: string }[]): CpuCounters => ({
  apiserverTicks: processCpuTicks(apiserverPid),
  webhookNs: podsCpuNs(pods),
});
