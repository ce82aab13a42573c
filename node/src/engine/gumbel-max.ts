/**
 * Whole-vocabulary Gumbel-max (sampler.ts rule 3 with topK = 0): the best and second-best score of
 * z_i / T + G(seed, step, i) over every token, exactly as a plain scan computes them (same expression per token,
 * same tie rule: lowest id wins), but without the two logarithms of G for tokens that provably cannot reach the
 * top two.
 *
 * G = -ln(-ln u) grows with u: below 1, u <= 1 - 2^-52, so G < 36.1, and G is below a small bound whenever u is
 * below a tier (u <= 0.5: G <= 0.3666). u = 1 exactly happens (Philox integer 2^53 - 1: the + 0.5 rounds up) and
 * gives G = +Infinity: such a token is never skipped. A token whose z/T + bound is below the running second-best score is
 * skipped: its exact score would be smaller still (rounding is monotonic), so it cannot change the best or the
 * second. The running second-best is seeded by the largest logits, so most of a vocabulary is skipped at once.
 * Equality with the plain scan is tested over random and adversarial rows (gumbel-max.test.ts).
 */
import { uniformRow } from './philox.js';
import { topK } from './topk.js';

/** Above every finite G: u < 1 means u <= 1 - 2^-52, and -ln(-ln u) <= 36.04 there. */
export const G_MAX = 37.5;

// Tiers: for u' <= U_i, G(u') <= B_i (each bound a little above -ln(-ln U_i); checked in the test).
const U1 = 0.5, B1 = 0.3666, U2 = 0.9, B2 = 2.2504, U3 = 0.99, B3 = 4.6002, U4 = 0.999, B4 = 6.9073;
export const G_TIERS: readonly (readonly [number, number])[] = [[U1, B1], [U2, B2], [U3, B3], [U4, B4]];

/** Tokens whose exact score seeds the running second-best: the largest logits. */
const SEEDS = 8;

export interface Top2 {
  bestId: number;
  best: number;
  /** Largest score among the other tokens (-Infinity with one token). */
  second: number;
}

/** Whether a token with z/T = zt and uniform u provably scores below `second` (its logarithms are not needed). */
export function provablyBelow(zt: number, u: number, second: number): boolean {
  if (u >= 1) return false; // G = +Infinity
  if (zt + G_MAX < second) return true;
  // G_TIERS unrolled: this runs once per token per step.
  if (u <= U1) return zt + B1 < second;
  if (u <= U2) return zt + B2 < second;
  if (u <= U3) return zt + B3 < second;
  if (u <= U4) return zt + B4 < second;
  return false;
}

/** Best and second-best of z/T + G(key, step, id) over ids 0..length-1 (T > 0). */
export function gumbelTop2(logits: Float32Array, offset: number, length: number, temperature: number, key: [number, number], step: number): Top2 {
  const u = uniformRow(key, step, length);
  let bestId = -1;
  let best = -Infinity;
  let second = -Infinity;
  const take = (i: number, sc: number): void => {
    if (sc > best || (sc === best && i < bestId)) {
      if (best > second) second = best;
      best = sc;
      bestId = i;
    } else if (sc > second) second = sc;
  };
  const seeds = topK(logits, SEEDS, offset, length).map((e) => e.id);
  for (const i of seeds) take(i, logits[offset + i]! / temperature + -Math.log(-Math.log(u[i]!)));
  for (let i = 0; i < length; i++) {
    const zt = logits[offset + i]! / temperature;
    const ui = u[i]!;
    // seeds are the largest logits, so they are rarely pruned: the includes() runs for the few tokens that are not
    if (provablyBelow(zt, ui, second) || seeds.includes(i)) continue;
    take(i, zt + -Math.log(-Math.log(ui)));
  }
  return { bestId, best, second };
}
