package types

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/big"

	"cosmossdk.io/math"
)

// Sampled audits. Whether a result is audited and who audits it is a pure function of the hash of the block
// that decides it (a block after the result's block, so the executor did not know it when it submitted) and the
// job id; any node, sidecar or auditor can recompute both.
//
//	draw      = sha256("inferchain/audit" ‖ block hash ‖ u64be(job id))
//	selected  = (draw as a 256-bit big-endian integer) mod 10^18 < audit_probability × 10^18
//	            (audit_probability is a LegacyDec: its 18-decimal fixed-point integer, compared exactly;
//	            p = 0 never selects, p = 1 always does)
//	committee = up to committee_size draws without replacement among the eligible executors (active, bonded,
//	            not jailed, serving the model, not the job's executor; in validator address order), weighted by
//	            bonded tokens: round i (from 0) picks WeightedIndex(sha256(draw ‖ u32be(i)), remaining weights)
//	            and removes the pick.

// AuditDraw is sha256("inferchain/audit" ‖ block hash ‖ u64be(job id)).
func AuditDraw(blockHash []byte, jobID uint64) [32]byte {
	h := sha256.New()
	h.Write([]byte(AuditDomain))
	h.Write(blockHash)
	h.Write(JobIDBytes(jobID))
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

var decPrecision = new(big.Int).Exp(big.NewInt(10), big.NewInt(math.LegacyPrecision), nil)

// AuditSelected reports whether the draw selects the job for an audit with probability p (in [0, 1]):
// draw mod 10^18 < p × 10^18, exactly (p's fixed-point integer). The bias of the modulo is below 10^18/2^256.
func AuditSelected(draw [32]byte, p math.LegacyDec) bool {
	if p.IsNil() || !p.IsPositive() {
		return false
	}
	r := new(big.Int).SetBytes(draw[:])
	r.Mod(r, decPrecision)
	return r.Cmp(p.BigInt()) < 0
}

// CommitteeDraw is the draw of round i of the committee: sha256(audit draw ‖ u32be(i)).
func CommitteeDraw(auditDraw [32]byte, round uint32) [32]byte {
	var b [36]byte
	copy(b[:32], auditDraw[:])
	binary.BigEndian.PutUint32(b[32:], round)
	return sha256.Sum256(b[:])
}

// PickCommittee draws up to size distinct indexes of weights, weighted, without replacement: round i picks
// WeightedIndex(CommitteeDraw(draw, i), weights with the earlier picks zeroed). It stops early when no positive
// weight is left, so it returns min(size, number of positive weights) indexes, in selection order.
func PickCommittee(draw [32]byte, weights []math.Int, size int) []int {
	w := append([]math.Int(nil), weights...)
	var out []int
	for round := 0; len(out) < size; round++ {
		i := WeightedIndex(CommitteeDraw(draw, uint32(round)), w)
		if i < 0 {
			break
		}
		out = append(out, i)
		w[i] = math.ZeroInt()
	}
	return out
}

// SaltBytes is the length of a verdict salt.
const SaltBytes = 32

// VerdictCommitPreimage is "inferchain/verdict" ‖ u64be(job id) ‖ u8(verdict) ‖ salt ‖ utf8(verifier), where
// verifier is the committee member's validator operator address (bech32, as stored in the audit's committee).
func VerdictCommitPreimage(jobID uint64, verdict Verdict, salt []byte, verifier string) []byte {
	b := make([]byte, 0, len(VerdictDomain)+8+1+len(salt)+len(verifier))
	b = append(b, VerdictDomain...)
	b = append(b, JobIDBytes(jobID)...)
	b = append(b, byte(verdict))
	b = append(b, salt...)
	b = append(b, verifier...)
	return b
}

// VerdictCommitHash is a verifier's commitment to its verdict, as MsgCommitVerdict.commit_hash carries it:
// lowercase hex of sha256("inferchain/verdict" ‖ u64be(job id) ‖ u8(verdict) ‖ salt (32 bytes) ‖ utf8(verifier)).
// The sidecar (TypeScript) computes the same bytes; testdata/verdict_commit_vectors.json pins them.
func VerdictCommitHash(jobID uint64, verdict Verdict, salt []byte, verifier string) string {
	h := sha256.Sum256(VerdictCommitPreimage(jobID, verdict, salt, verifier))
	return hex.EncodeToString(h[:])
}

// ParseSalt decodes a salt given as 64 lowercase hex characters.
func ParseSalt(s string) ([]byte, error) {
	if !isLowerHex(s, 2*SaltBytes) {
		return nil, FieldErr("salt", "must be %d lowercase hex characters (%d random bytes), got %s", 2*SaltBytes, SaltBytes, show(s))
	}
	return hex.DecodeString(s)
}

func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// CommitteeNote explains a committee smaller than committee_size ("" when it is full).
func CommitteeNote(got, want int) string {
	if got >= want {
		return ""
	}
	if got == 1 {
		return "committee of 1: only 1 other executor serves the model"
	}
	return fmt.Sprintf("committee of %d: only %d other executors serve the model", got, got)
}

// NoteNoOtherExecutor is the note of an audit skipped because no other executor serves the model.
const NoteNoOtherExecutor = "no other executor serves the model"

// InsufficientCommitteeNote explains an audit that could not be held: fewer eligible verifiers than quorum.
func InsufficientCommitteeNote(got int, quorum uint32) string {
	return fmt.Sprintf("unaudited: only %d other eligible executor(s) serve the model, below the quorum %d; settled without an audit", got, quorum)
}
