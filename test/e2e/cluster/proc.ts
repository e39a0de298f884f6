// A process's identity by PID, robust to what a PID goes through: its start time (field 22 of
// /proc/<pid>/stat, in clock ticks since boot) never changes for the life of the process, across
// execve too, and a recycled PID has another. Its command line is no identity: while the kernel
// loads a new program (nsenter executing the kubelet, say) /proc/<pid>/cmdline reads empty for a
// moment, and a check that fell into that window once called a starting kube-proxy dead.

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function statFields(pid: number, read: (path: string) => string): string[] | undefined {
  try {
    const stat = read(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The process's start time in clock ticks since boot; undefined when there is no such process. */
export function processStart(pid: number, read: (path: string) => string): number | undefined {
  // After ") ": state is field 3, starttime field 22.
  const start = statFields(pid, read)?.[19];
  return start === undefined ? undefined : Number(start);
}

/** Whether `pid` is still the process that started at `start`, and has not exited (a zombie has). */
export function isSameProcess(pid: number, start: number, read: (path: string) => string): boolean {
  const fields = statFields(pid, read);
  return fields !== undefined && fields[0] !== 'Z' && Number(fields[19]) === start;
}
