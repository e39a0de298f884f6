// Durations, the one place both binaries read and write them, in kubectl's two styles:
// - read as Go's time.ParseDuration reads them, which is how kubectl reads --timeout and
//   --request-timeout: "30s", "5m", "1h2m3s", "1.5h", "250ms", and a bare "0";
// - written as kubectl writes an age (apimachinery's duration.HumanDuration: "45s", "9m32s",
//   "70m", "3h1m", "2d1h"), for every time measured on the cluster: ages, "ago", time left;
// - written as Go writes a time.Duration ("200ms", "2s", "1m30s", "1h0m0s"), for a bound or a
//   flag's value said back (--timeout, --request-timeout, the access layer's bounds), where a
//   millisecond can matter and the user's own value must be recognisable.

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

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

/** Go's int(d / unit): the whole units in `ms`, truncated toward zero. */
const whole = (ms: number, unit: number): number => Math.trunc(ms / unit);

/** `${a}${unitA}` with `${b}${unitB}` after it when b is not 0. */
const pair = (a: number, unitA: string, b: number, unitB: string): string => (b === 0 ? `${a}${unitA}` : `${a}${unitA}${b}${unitB}`);

/** Years and days, as HumanDuration writes two years and more. */
function years(ms: number): string {
  const y = whole(ms, YEAR);
  return ms < 8 * YEAR ? pair(y, 'y', whole(ms, DAY) % 365, 'd') : `${y}y`;
}

/** Hours and days, as HumanDuration writes three hours and more. */
function hoursAndDays(ms: number): string {
  const hours = whole(ms, HOUR);
  if (hours < 8) return pair(hours, 'h', whole(ms, MINUTE) % 60, 'm');
  if (hours < 48) return `${hours}h`;
  if (hours < 8 * 24) return pair(whole(hours, 24), 'd', hours % 24, 'h');
  if (ms < 2 * YEAR) return `${whole(hours, 24)}d`;
  return years(ms);
}

/**
 * An age or a time left as kubectl writes it (apimachinery's duration.HumanDuration): seconds
 * up to 2 minutes, minutes and seconds up to 10, minutes up to 3 hours, then hours, days and
 * years, each with at most two units. Below -1 s (a clock ahead of the server's) "<invalid>".
 */
export function humanDuration(ms: number): string {
  const seconds = whole(ms, SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = whole(ms, MINUTE);
  if (minutes < 10) return pair(minutes, 'm', seconds % 60, 's');
  if (minutes < 180) return `${minutes}m`;
  return hoursAndDays(ms);
}

/**
 * A bound or a flag's duration as Go's time.Duration.String writes it, to the millisecond:
 * "0s", "250ms", "2s", "1.5s", "1m30s", "5m0s", "1h0m0s".
 */
export function goDuration(ms: number): string {
  const abs = Math.round(Math.abs(ms));
  if (abs === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  if (abs < SECOND) return `${sign}${abs}ms`;
  const h = whole(abs, HOUR);
  const m = whole(abs % HOUR, MINUTE);
  const s = `${(abs % MINUTE) / SECOND}s`;
  if (h) return `${sign}${h}h${m}m${s}`;
  return m ? `${sign}${m}m${s}` : `${sign}${s}`;
}
