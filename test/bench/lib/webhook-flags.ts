// A container's arguments with some flags set: what the A/B benches roll the webhook's Deployment to.

/** `args` with each of `flags` given once, as `--name=value` at the end: any earlier `--name=x` or
 * `--name x` is taken out, every other argument kept in its order. */
export function withFlags(args: readonly string[], flags: Readonly<Record<string, string>>): string[] {
  const names = new Set(Object.keys(flags).map((n) => `--${n}`));
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    if (names.has(eq === -1 ? a : a.slice(0, eq))) {
      // `--name value`: the value goes too (unless the next word is itself a flag).
      if (eq === -1 && i + 1 < args.length && !args[i + 1]!.startsWith('-')) i++;
      continue;
    }
    kept.push(a);
  }
  return [...kept, ...Object.entries(flags).map(([n, v]) => `--${n}=${v}`)];
}
