// The one concurrency limiter (plugin/lib/limit.ts), driven by hand: each call is a promise the
// test settles, so what runs at once is observed without any timer.
import { describe, expect, it } from 'vitest';
import { limiter, mapLimit } from '../../../plugin/lib/limit.js';

/** A call the test ends by hand, recording when it started. */
function task(started: number[], i: number): { run: () => Promise<number>; end: () => void } {
  let end = (): void => undefined;
  const done = new Promise<void>((resolve) => (end = resolve));
  return {
    run: async () => {
      started.push(i);
      await done;
      return i;
    },
    end: () => end(),
  };
}

/** Lets every pending promise reaction run. */
const drain = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('limiter', () => {
  it.each([
    { n: 1, calls: 4, first: [0], afterOneEnds: [0, 1] },
    { n: 2, calls: 4, first: [0, 1], afterOneEnds: [0, 1, 2] },
    { n: 5, calls: 3, first: [0, 1, 2], afterOneEnds: [0, 1, 2] },
  ])('runs at most $n of $calls at once, the next in call order', async ({ n, calls, first, afterOneEnds }) => {
    const started: number[] = [];
    const limit = limiter(n);
    const tasks = Array.from({ length: calls }, (_, i) => task(started, i));
    const results = tasks.map((t) => limit(t.run));
    await drain();
    expect(started).toEqual(first);
    tasks[0]!.end();
    await drain();
    expect(started).toEqual(afterOneEnds);
    for (const t of tasks) t.end();
    expect(await Promise.all(results)).toEqual(tasks.map((_, i) => i));
  });

  it('lets a call made while a slot is being handed on wait its turn', async () => {
    const started: number[] = [];
    const limit = limiter(1);
    const [a, b, c] = [task(started, 0), task(started, 1), task(started, 2)];
    const runs = [limit(a.run), limit(b.run)];
    await drain();
    a.end();
    runs.push(limit(c.run)); // made while b is being handed a's slot
    await drain();
    expect(started).toEqual([0, 1]);
    b.end();
    c.end();
    await Promise.all(runs);
    expect(started).toEqual([0, 1, 2]);
  });

  it('frees the slot of a call that fails', async () => {
    const limit = limiter(1);
    await expect(limit(() => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await limit(() => Promise.resolve('next'))).toBe('next');
  });
});

describe('mapLimit', () => {
  it('keeps the items order whatever order the calls end in', async () => {
    const started: number[] = [];
    const tasks = [0, 1, 2].map((i) => task(started, i));
    const out = mapLimit(tasks, 2, (t) => t.run());
    await drain();
    expect(started).toEqual([0, 1]);
    tasks[1]!.end();
    await drain();
    expect(started).toEqual([0, 1, 2]);
    tasks[2]!.end();
    tasks[0]!.end();
    expect(await out).toEqual([0, 1, 2]);
  });
});
