/** A duration for people: `90 s`, `2 h`, `5 d` (whole units, the largest that fits). */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds % 86_400 === 0 && seconds >= 86_400) return `${seconds / 86_400} d`;
  if (seconds % 3_600 === 0 && seconds >= 3_600) return `${seconds / 3_600} h`;
  if (seconds % 60 === 0 && seconds >= 60) return `${seconds / 60} min`;
  return `${seconds} s`;
}
