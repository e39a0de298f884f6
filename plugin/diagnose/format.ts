// Durations as diagnose writes them (its summaries, explanations and the "ago" of evidence).

/** "45s", "3m10s", "1h5m". */
export function formatSeconds(s: number): string {
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${Math.round(s % 60) ? `${Math.round(s % 60)}s` : ''}`;
  return `${Math.floor(s / 3600)}h${Math.round((s % 3600) / 60)}m`;
}
