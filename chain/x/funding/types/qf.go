package types

import (
	"math/big"

	"cosmossdk.io/math"
)

// Quadratic funding (Buterin, Hitzig, Weyl, "Liberal Radicalism", 2018) in integer arithmetic only.
//
// A project with contributions c_1..c_n (per contributor, summed over their contributions to it) has the weight
//
//	w = (Σ sqrt(c_i))² − Σ c_i        (= 2 Σ_{i<j} sqrt(c_i c_j) ≥ 0; 0 for a single contributor)
//
// and receives floor(pool · w / Σ_p w_p) of the matching pool. Square roots are not integers, so they are kept
// in fixed point: s_i = isqrt(c_i · 10^18) = floor(sqrt(c_i) · 10^9), S = Σ s_i (Project.sum_sqrt, updated
// incrementally), and w = max(0, S² − Σ c_i · 10^18), i.e. the weight scaled by 10^18. Flooring each root
// under-estimates S by less than n, so a single contributor's weight is exactly 0 (s² ≤ c · 10^18) and the
// relative error of a real weight is below 2n/S (about 10^-9 for contributions of 1uinfer and up). Every step
// is deterministic: big.Int.Sqrt is the exact floor square root.

// SqrtScale² is the fixed-point scale of the square roots (sqrt scaled by 10^9, its square by 10^18).
var sqrtScaleSquared = math.NewIntWithDecimal(1, 18)

// ScaledSqrt returns isqrt(c · 10^18) = floor(sqrt(c) · 10^9) for c ≥ 0.
func ScaledSqrt(c math.Int) math.Int {
	if !c.IsPositive() {
		return math.ZeroInt()
	}
	x := new(big.Int).Mul(c.BigInt(), sqrtScaleSquared.BigInt())
	return math.NewIntFromBigInt(x.Sqrt(x))
}

// Weight returns max(0, sumSqrt² − total · 10^18): a project's QF weight scaled by 10^18.
func Weight(sumSqrt, total math.Int) math.Int {
	w := sumSqrt.Mul(sumSqrt).Sub(total.Mul(sqrtScaleSquared))
	if w.IsNegative() {
		return math.ZeroInt()
	}
	return w
}

// Match returns floor(pool · weight / totalWeight), or 0 when totalWeight is 0. The product is formed in an
// unbounded big.Int (math.Int panics past 256 bits; a panic in the EndBlocker would halt the chain); the
// result is at most pool whenever weight ≤ totalWeight.
func Match(pool, weight, totalWeight math.Int) math.Int {
	if !totalWeight.IsPositive() || !weight.IsPositive() {
		return math.ZeroInt()
	}
	x := new(big.Int).Mul(pool.BigInt(), weight.BigInt())
	return math.NewIntFromBigInt(x.Quo(x, totalWeight.BigInt()))
}
