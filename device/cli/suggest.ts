/**
 * "Did you mean ...?" for mistyped commands, subcommands and options: the nearest valid
 * name by edit distance (a swap of two neighbouring letters counts as one edit, the most
 * common typing slip), or the one name that starts with what was typed.
 */

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1]!;
}

/**
 * The candidate nearest to `given`, if it is near enough to be what was meant: at most one
 * edit for short names, one per three letters for longer ones; else the only candidate
 * that `given` (three letters or more) begins.
 */
export function nearest(given: string, candidates: readonly string[]): string | undefined {
  const allowed = Math.max(1, Math.floor(given.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const dist = editDistance(given.toLowerCase(), c.toLowerCase());
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  if (best !== undefined && bestDistance <= allowed) return best;
  const prefixed = given.length >= 3 ? candidates.filter((c) => c.startsWith(given)) : [];
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** `"; did you mean 'verify'?"`, or `""` when nothing is near. `quote` formats the name. */
export function didYouMean(given: string, candidates: readonly string[], quote: (name: string) => string = (n) => `'${n}'`): string {
  const match = nearest(given, candidates);
  return match === undefined ? "" : `; did you mean ${quote(match)}?`;
}
