// At most `n` calls at once: the one limiter of the plugin (diagnose's reads, logs' log streams).

/** A gate: `limit(fn)` runs fn when fewer than `n` run, else when one ends (in call order). */
export function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (fn) => {
    // A call that waits is handed the slot of the one that ends, so none can slip in between.
    if (active >= n) {
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
      });
    } else active++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

/** fn over every item, at most `n` at once; the results in the items' order. */
export function mapLimit<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const limit = limiter(n);
  return Promise.all(items.map((item) => limit(() => fn(item))));
}
