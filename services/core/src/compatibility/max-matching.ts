/**
 * Maximum-cardinality bipartite matching (augmenting paths, Kuhn's algorithm): how many left
 * items can be paired with distinct right items along the given edges. Sizes here are the
 * alternatives of one anyOf/oneOf/allOf, so the simple algorithm is plenty.
 */
export function maximumMatching(
  leftCount: number,
  rightCount: number,
  edges: readonly (readonly [number, number])[],
): Map<number, number> {
  const adjacent: number[][] = Array.from({ length: leftCount }, () => []);
  for (const [left, right] of edges) adjacent[left]?.push(right);
  const matchOfRight = new Array<number>(rightCount).fill(-1);
  const tryAugment = (left: number, seen: boolean[]): boolean => {
    for (const right of adjacent[left] ?? []) {
      if (seen[right] === true) continue;
      seen[right] = true;
      const current = matchOfRight[right] ?? -1;
      if (current === -1 || tryAugment(current, seen)) {
        matchOfRight[right] = left;
        return true;
      }
    }
    return false;
  };
  for (let left = 0; left < leftCount; left += 1)
    tryAugment(left, new Array<boolean>(rightCount).fill(false));
  const matching = new Map<number, number>();
  matchOfRight.forEach((left, right) => {
    if (left !== -1) matching.set(left, right);
  });
  return matching;
}
