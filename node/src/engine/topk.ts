/** The k largest logits of a row: the candidate set of sampling and the committed top-k (sampler.ts). */
export interface TopEntry {
  id: number;
  logit: number;
}

/** The k largest logits (k <= 0: all), sorted by logit descending then id ascending. */
export function topK(logits: Float32Array, k: number, offset = 0, length = logits.length - offset): TopEntry[] {
  const n = k <= 0 || k >= length ? length : k;
  if (n > 64) {
    const all: TopEntry[] = [];
    for (let i = 0; i < length; i++) all.push({ id: i, logit: logits[offset + i]! });
    all.sort(cmp);
    return n === length ? all : all.slice(0, n);
  }
  // Insertion into a small sorted buffer: k is small compared to the vocabulary. Once it is full, a token ties
  // or loses to the last entry (ids ascend, so a tie loses) iff z <= its logit: that test, on a local, is the
  // whole loop for nearly every token (NaN never passes it, as before).
  const best: TopEntry[] = [];
  let last = NaN;
  for (let i = 0; i < length; i++) {
    const z = logits[offset + i]!;
    if (best.length === n) {
      if (z <= last) continue;
      best.pop();
    }
    let j = best.length;
    while (j > 0 && cmp({ id: i, logit: z }, best[j - 1]!) < 0) j--;
    best.splice(j, 0, { id: i, logit: z });
    last = best[best.length - 1]!.logit;
  }
  return best;
}

function cmp(a: TopEntry, b: TopEntry): number {
  return b.logit - a.logit || a.id - b.id;
}
