// Durations as diagnose writes them (its summaries, explanations and the "ago" of evidence):
// kubectl's age, from the one formatter (kube-client/duration.ts), for diagnose's seconds.
import { humanDuration } from '../../kube-client/duration.js';

/** Seconds as kubectl writes an age: "45s", "3m10s", "65m", "3h1m". */
export function formatSeconds(s: number): string {
  return humanDuration(s * 1000);
}
