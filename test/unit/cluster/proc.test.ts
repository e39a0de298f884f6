// A process's identity by its start time (test/e2e/cluster/proc.ts), as the real node's start and
// stop tell its processes from recycled PIDs and from programs still being loaded.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isSameProcess, processStart } from '../../e2e/cluster/proc.js';

const read = (path: string): string => readFileSync(path, 'utf8');

/** A /proc/<pid>/stat line as the kernel writes it: pid, (comm), state, ..., starttime is field 22. */
function stat(comm: string, state: string, start: number): string {
  const after = [state, ...Array.from({ length: 18 }, (_, i) => String(i + 4)), String(start), '0', '0'];
  return `4242 (${comm}) ${after.join(' ')}\n`;
}

describe('processStart and isSameProcess over /proc/<pid>/stat', () => {
  it.each([
    { name: 'a plain command name', comm: 'kube-proxy', state: 'S', start: 123456, same: true },
    { name: 'a name with spaces and parentheses', comm: 'a (b) c)', state: 'R', start: 99, same: true },
    { name: 'a zombie: it has exited', comm: 'kubelet', state: 'Z', start: 123456, same: false },
  ])('$name', ({ comm, state, start, same }) => {
    const fake = () => stat(comm, state, start);
    expect(processStart(4242, fake)).toBe(start);
    expect(isSameProcess(4242, start, fake)).toBe(same);
    // Another start time: the PID was recycled.
    expect(isSameProcess(4242, start + 1, fake)).toBe(false);
  });

  it('no such process', () => {
    const gone = (): string => {
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    };
    expect(processStart(4242, gone)).toBeUndefined();
    expect(isSameProcess(4242, 1, gone)).toBe(false);
  });

  it('follows a real process through exec (nsenter running node) until it exits', async () => {
    // nsenter exec's the program it is given: the window where /proc/<pid>/cmdline reads empty.
    const child = spawn('nsenter', [`--net=/proc/self/ns/net`, '--', process.execPath, '-e', 'setTimeout(() => {}, 400)'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const pid = child.pid!;
    const start = processStart(pid, read)!;
    expect(start).toBeGreaterThan(0);
    const readings: boolean[] = [];
    let done = false;
    void exited.then(() => (done = true));
    while (!done) {
      readings.push(isSameProcess(pid, start, read));
      await new Promise((r) => setImmediate(r));
    }
    expect(readings.filter(Boolean).length).toBeGreaterThan(0);
    // Never called dead while it ran: every "not running" reading comes after the last "running".
    const lastAlive = readings.lastIndexOf(true);
    expect(readings.slice(0, lastAlive).filter((r) => !r)).toEqual([]);
    expect(isSameProcess(pid, start, read)).toBe(false);
  });
});
