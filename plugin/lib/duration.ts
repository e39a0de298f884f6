// Durations as kubectl's --timeout takes them (Go's time.ParseDuration): "30s", "5m", "1h2m3s",
// "1.5h", "250ms", and a bare "0". A number without a unit is refused, as kubectl refuses it.

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

/** A compact human duration: 0s, 45s, 5m, 9m32s, 1h2m, 1h. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h) return `${h}h${m ? `${m}m` : ''}`;
  if (m) return `${m}m${s ? `${s}s` : ''}`;
  return `${s}s`;
}
