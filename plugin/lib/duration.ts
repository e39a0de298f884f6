// Durations as kubectl's --timeout takes them (Go's time.ParseDuration, read by
// kube-client/duration.ts): "30s", "5m", "1h2m3s", "1.5h", "250ms", and a bare "0". A number
// without a unit is refused, as kubectl refuses it. And the compact form the output prints.

export { parseDuration } from '../../kube-client/duration.js';

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
