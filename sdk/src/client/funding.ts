import type { Coin } from "@cosmjs/stargate";
import { invalidArgument } from "../errors.js";
import { ProjectKind, RoundStatus } from "../generated/inferchain/funding/v1/types.js";

/**
 * Quadratic funding, the same integer arithmetic as the chain (chain/x/funding/types/qf.go), so clients can
 * show what a round will pay and tests can check the chain against an independent computation:
 *   s_i = isqrt(c_i · 10^18), S = Σ s_i, w = max(0, S² − Σ c_i · 10^18), match = floor(pool · w / Σ w).
 */

const SCALE_SQUARED = 10n ** 18n;

/** floor(sqrt(n)) for n ≥ 0 (Newton's method on bigints; exact). */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw invalidArgument("n", "must not be negative");
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n)))) + 1n; // an over-estimate, then Newton down
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  while (x * x > n) x -= 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}

/** A project's QF weight (scaled by 10^18) from its per-contributor totals. */
export function quadraticWeight(contributions: readonly bigint[]): bigint {
  let sumSqrt = 0n;
  let total = 0n;
  for (const c of contributions) {
    if (c < 0n) throw invalidArgument("contributions", "must not be negative");
    sumSqrt += isqrt(c * SCALE_SQUARED);
    total += c;
  }
  const w = sumSqrt * sumSqrt - total * SCALE_SQUARED;
  return w > 0n ? w : 0n;
}

export interface QuadraticMatches {
  /** Per project, in input order. */
  matches: bigint[];
  /** pool − Σ matches: to the community pool. */
  remainder: bigint;
  totalWeight: bigint;
}

/** Splits a matching pool over projects given as lists of per-contributor totals. */
export function quadraticMatches(pool: bigint, projects: readonly (readonly bigint[])[]): QuadraticMatches {
  const weights = projects.map(quadraticWeight);
  const totalWeight = weights.reduce((a, b) => a + b, 0n);
  const matches = weights.map((w) => (totalWeight > 0n ? (pool * w) / totalWeight : 0n));
  return { matches, remainder: pool - matches.reduce((a, b) => a + b, 0n), totalWeight };
}

/** "5000uinfer", "5000" (in defaultDenom) or a Coin → a positive Coin. */
export function parseAmount(field: string, value: string | Coin, defaultDenom: string): Coin {
  if (typeof value !== "string") {
    if (!/^\d+$/.test(value.amount) || BigInt(value.amount) <= 0n) throw invalidArgument(field, `${value.amount}${value.denom} is not a positive amount`);
    return { amount: BigInt(value.amount).toString(), denom: value.denom };
  }
  const m = /^\s*(\d+)\s*([a-zA-Z][a-zA-Z0-9/:._-]{2,127})?\s*$/.exec(value);
  if (!m) throw invalidArgument(field, `"${value}" is not an amount like 5000${defaultDenom}`);
  const amount = BigInt(m[1]!);
  if (amount <= 0n) throw invalidArgument(field, "must be positive");
  return { amount: amount.toString(), denom: m[2] ?? defaultDenom };
}

/** A block height: a non-negative integer, or "+N" for N blocks after `current`. */
export function parseHeight(field: string, value: string | number | bigint, current?: number): bigint {
  if (typeof value === "string" && /^\s*\+\d+\s*$/.test(value)) {
    if (current === undefined) throw invalidArgument(field, "a relative height (+N) needs the current height");
    return BigInt(current) + BigInt(value.trim().slice(1));
  }
  if (typeof value === "string" && !/^\s*\d+\s*$/.test(value)) throw invalidArgument(field, `"${value}" is not a block height (N or +N)`);
  const h = BigInt(typeof value === "string" ? value.trim() : value);
  if (h < 0n) throw invalidArgument(field, "must not be negative");
  return h;
}

const ROUND_STATUS_NAMES: Record<number, string> = {
  [RoundStatus.ROUND_STATUS_OPEN]: "open",
  [RoundStatus.ROUND_STATUS_FINALIZING]: "finalizing",
  [RoundStatus.ROUND_STATUS_FINALIZED]: "finalized",
};

export function roundStatusName(s: RoundStatus): string {
  return ROUND_STATUS_NAMES[s] ?? "unspecified";
}

const PROJECT_KIND_NAMES: Record<number, string> = {
  [ProjectKind.PROJECT_KIND_MODEL]: "model",
  [ProjectKind.PROJECT_KIND_DATASET]: "dataset",
  [ProjectKind.PROJECT_KIND_PROPOSAL]: "proposal",
};

export function projectKindName(k: ProjectKind): string {
  return PROJECT_KIND_NAMES[k] ?? "unspecified";
}
