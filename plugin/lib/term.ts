// Colour and terminal decisions, made once at the edge from the stream, the env and the flags.

/** ANSI styling that collapses to plain text when colour is off. */
export interface Paint {
  enabled: boolean;
  red: (s: string) => string;
  green: (s: string) => string;
  yellow: (s: string) => string;
  cyan: (s: string) => string;
  dim: (s: string) => string;
  bold: (s: string) => string;
}

/** Colour is on only on a TTY, without --no-color, and without NO_COLOR (any non-empty value). */
export function colorEnabled(opts: { isTTY: boolean; noColor?: boolean; env: Record<string, string | undefined> }): boolean {
  if (opts.noColor) return false;
  if (opts.env.NO_COLOR !== undefined && opts.env.NO_COLOR !== '') return false;
  if (opts.env.TERM === 'dumb') return false;
  return opts.isTTY;
}

/** A painter; with enabled=false every style is the identity. */
export function paint(enabled: boolean): Paint {
  const wrap = (open: number, close: number) => (s: string) => (enabled ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return {
    enabled,
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
  };
}

/** The visible width of a string with ANSI styling. */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '').length;
}
