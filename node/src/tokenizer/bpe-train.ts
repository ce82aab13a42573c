/**
 * Deterministic byte-level BPE training on a small corpus: enough to give the tiny test model a real
 * tokenizer.json (merges, multi-byte tokens) without shipping a vocabulary file.
 */
import { byteToUnicode } from './bytelevel.js';

export interface TrainedBpe {
  tokens: string[];
  merges: string[];
}

/** GPT-2 pre-tokenization regex (what the ByteLevel pre-tokenizer applies). */
const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export function trainBpe(corpus: string, numMerges: number): TrainedBpe {
  const b2u = byteToUnicode();
  const tokens = [...b2u];
  const merges: string[] = [];
  const enc = new TextEncoder();
  // Words as symbol sequences with counts; digits are split individually by the pre-tokenizer, skip them.
  const counts = new Map<string, number>();
  for (const m of corpus.match(GPT2_SPLIT) ?? []) {
    if (/\d/.test(m)) continue;
    const sym = [...enc.encode(m)].map((b) => b2u[b]!).join('\u0000');
    counts.set(sym, (counts.get(sym) ?? 0) + 1);
  }
  let words = [...counts.entries()].map(([w, c]) => ({ syms: w.split('\u0000'), c }));
  for (let m = 0; m < numMerges; m++) {
    const pairs = new Map<string, number>();
    for (const w of words) {
      for (let i = 0; i + 1 < w.syms.length; i++) {
        const k = `${w.syms[i]} ${w.syms[i + 1]}`;
        pairs.set(k, (pairs.get(k) ?? 0) + w.c);
      }
    }
    let best: string | undefined;
    let bestC = 1; // a pair seen once is not worth a token
    for (const [k, c] of pairs) if (c > bestC || (c === bestC && best !== undefined && k < best)) [best, bestC] = [k, c];
    if (!best) break;
    const [a, b] = best.split(' ') as [string, string];
    merges.push(best);
    tokens.push(a + b);
    words = words.map((w) => {
      const s: string[] = [];
      for (let i = 0; i < w.syms.length; i++) {
        if (i + 1 < w.syms.length && w.syms[i] === a && w.syms[i + 1] === b) {
          s.push(a + b);
          i++;
        } else s.push(w.syms[i]!);
      }
      return { syms: s, c: w.c };
    });
  }
  return { tokens, merges };
}
