package types

import (
	"crypto/sha256"
	"encoding/binary"
	"math/big"

	"cosmossdk.io/math"
)

// On-chain randomness. Every value below is a pure function of the block hash of the block in which the
// job was created (or reassigned) and the job id, so any node, sidecar or auditor can recompute it, and the
// requester cannot grind it: the hash of the block that will include the request is unknown when it is signed.
//
// Encodings: the job id is always 8 bytes big-endian; the block hash is the raw header hash (32 bytes), or,
// where a context carries none (unit tests, some simulations), the 8-byte big-endian block height.

// JobIDBytes encodes a job id as 8 bytes big-endian.
func JobIDBytes(id uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], id)
	return b[:]
}

// AssignmentDraw is sha256(block hash ‖ job id): the random number that picks a job's executor.
func AssignmentDraw(blockHash []byte, jobID uint64) [32]byte {
	h := sha256.New()
	h.Write(blockHash)
	h.Write(JobIDBytes(jobID))
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// DeriveSeed is the job's sampling seed: the first 8 bytes, big-endian, of
// sha256("inferchain/seed" ‖ block hash ‖ job id).
func DeriveSeed(blockHash []byte, jobID uint64) uint64 {
	h := sha256.New()
	h.Write([]byte(SeedDomain))
	h.Write(blockHash)
	h.Write(JobIDBytes(jobID))
	return binary.BigEndian.Uint64(h.Sum(nil)[:8])
}

// WeightedIndex picks an index in weights with probability weight/total, from a 256-bit draw:
// r = draw mod total (as big integers), then the first index whose cumulative weight exceeds r. The modulo
// bias is below total/2^256, i.e. nil for any real stake. It returns -1 when the total weight is not positive.
// Non-positive weights are never picked.
func WeightedIndex(draw [32]byte, weights []math.Int) int {
	total := math.ZeroInt()
	for _, w := range weights {
		if w.IsPositive() {
			total = total.Add(w)
		}
	}
	if !total.IsPositive() {
		return -1
	}
	r := new(big.Int).SetBytes(draw[:])
	r.Mod(r, total.BigInt())
	rr := math.NewIntFromBigInt(r)
	cum := math.ZeroInt()
	for i, w := range weights {
		if !w.IsPositive() {
			continue
		}
		cum = cum.Add(w)
		if rr.LT(cum) {
			return i
		}
	}
	return -1 // unreachable: r < total
}
