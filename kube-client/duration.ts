// Durations as Go's time.ParseDuration reads them, which is how kubectl reads --timeout and
// --request-timeout: "30s", "5m", "1h2m3s", "1.5h", "250ms", and a bare "0".

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a Go duration string; throws an Error naming the value when it is not one. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '0' || s === '+0' || s === '-0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  const body = s.replace(/^\+/, '');
  if (body.startsWith('-')) throw new Error(`invalid duration "${text}": must not be negative`);
  if (!body) throw new Error(`invalid duration "${text}"`);
  while (pos < body.length) {
    re.lastIndex = pos;
    const m = re.exec(body);
    if (!m) throw new Error(`invalid duration "${text}": use a number with a unit (ns, us, ms, s, m, h), e.g. 30s, 5m, 1h2m`);
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    pos = re.lastIndex;
  }
  return Math.round(total);
}

/**
 * --request-timeout as kubectl reads it (client-go's clientcmd.ParseTimeout): a whole number is
 * seconds, anything else a Go duration; 0 means no limit. Throws kubectl's message otherwise.
 */
export function parseRequestTimeout(text: string): number {
  const t = text.trim();
  if (/^\+?\d+$/.test(t)) return Number(t) * 1000;
  try {
    return parseDuration(t);
  } catch {
    throw new Error(
      `invalid value "${text}" for --request-timeout: a single integer in seconds, or an integer followed by a corresponding time unit (e.g. 1s | 2m | 3h)`,
    );
  }
}
