/**
 * Area under the ROC curve for a binary target: the probability that a random positive scores
 * above a random negative, ties counting one half (the Mann–Whitney U statistic with mid-ranks).
 */
export function rocAuc(yTrue: ArrayLike<number>, scores: ArrayLike<number>, positiveLabel = 1): number {
  if (yTrue.length !== scores.length) {
    throw new Error(`rocAuc: yTrue has ${yTrue.length} values but scores has ${scores.length}`);
  }
  const n = yTrue.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end < n && scores[order[end]] === scores[order[start]]) end++;
    // Ranks start..end-1 (0-based) share the mid-rank; +1 makes them 1-based.
    const midRank = (start + end - 1) / 2 + 1;
    for (let i = start; i < end; i++) {
      if (yTrue[order[i]] === positiveLabel) {
        positives++;
        positiveRankSum += midRank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) {
    throw new Error('rocAuc: needs both positive and negative samples; only one class is present in yTrue');
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
