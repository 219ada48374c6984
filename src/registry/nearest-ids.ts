/**
 * "Did you mean …" for ids, as commander offers for commands and options: the candidates at the
 * smallest edit distance (optimal string alignment, so a swapped pair of letters is one edit),
 * provided they share more than 40% of their length with the word — the threshold commander uses,
 * so a typo in a dataset id is met the way a typo in a command is. Pure.
 */
export function nearestIds(word: string, candidates: Iterable<string>): string[] {
  let best = Number.POSITIVE_INFINITY;
  let nearest: string[] = [];
  for (const candidate of new Set(candidates)) {
    if (candidate === word) continue;
    const distance = editDistance(word, candidate);
    const length = Math.max(word.length, candidate.length);
    if ((length - distance) / length <= 0.4) continue;
    if (distance < best) [best, nearest] = [distance, [candidate]];
    else if (distance === best) nearest.push(candidate);
  }
  return nearest.sort();
}

/** The message tail for `nearestIds`' answer: ` (did you mean a or b?)`, or nothing. */
export function didYouMean(suggestions: readonly string[]): string {
  return suggestions.length === 0 ? '' : ` (did you mean ${suggestions.join(' or ')}?)`;
}

function editDistance(a: string, b: string): number {
  // d[i][j]: the distance between a's first i and b's first j characters.
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = value;
    }
  }
  return d[a.length]![b.length]!;
}
