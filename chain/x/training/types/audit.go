package types

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/big"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	inferencetypes "github.com/inferchain/inferchain/chain/x/inference/types"
)

// Replay audits of training results (README "Verification").

const (
	// AuditDomain separates a training audit draw from x/inference's (same entropy, same job number).
	AuditDomain = "inferchain/training/audit"
	// IntervalDomain derives the audited interval from the audit draw.
	IntervalDomain = "inferchain/training/interval"
	// VerdictDomain is the prefix of a training verdict commitment.
	VerdictDomain = "inferchain/training/verdict"
)

// AuditDraw is sha256("inferchain/training/audit" ‖ entropy ‖ u64be(job id)): whether the result is audited
// (inferencetypes.AuditSelected), its committee (inferencetypes.PickCommittee) and interval (IntervalIndex).
func AuditDraw(entropy []byte, jobID uint64) [32]byte {
	h := sha256.New()
	h.Write([]byte(AuditDomain))
	h.Write(entropy)
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], jobID)
	h.Write(id[:])
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// IntervalIndex is the audited interval i in [0, n): sha256("inferchain/training/interval" ‖ draw) mod n.
// It is fixed by entropy of a block after the result was committed, so the executor cannot know, when it
// commits its checkpoint root, which interval will be replayed.
func IntervalIndex(draw [32]byte, n uint64) uint64 {
	if n == 0 {
		return 0
	}
	h := sha256.Sum256(append([]byte(IntervalDomain), draw[:]...))
	r := new(big.Int).SetBytes(h[:])
	return r.Mod(r, new(big.Int).SetUint64(n)).Uint64()
}

// VerdictCommitHash is lowercase hex of sha256("inferchain/training/verdict" ‖ u64be(job id) ‖ u8(verdict) ‖
// salt (32 bytes) ‖ utf8(verifier valoper)): x/inference's layout under the training domain (the sidecar's
// trainingCommitHash computes the same bytes; a shared vector pins them).
func VerdictCommitHash(jobID uint64, verdict TrainingVerdict, salt []byte, verifier string) string {
	b := make([]byte, 0, len(VerdictDomain)+8+1+len(salt)+len(verifier))
	b = append(b, VerdictDomain...)
	b = binary.BigEndian.AppendUint64(b, jobID)
	b = append(b, byte(verdict))
	b = append(b, salt...)
	b = append(b, verifier...)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// ValidateCommitHash, ParseSalt and ValidateVerdictReason: x/inference's formats, training's error codes.
func ValidateCommitHash(s string) error {
	if err := inferencetypes.ValidateCommitHash(s); err != nil {
		return errorsmod.Wrap(ErrInvalidField, err.Error())
	}
	return nil
}

func ParseSalt(s string) ([]byte, error) {
	b, err := inferencetypes.ParseSalt(s)
	if err != nil {
		return nil, errorsmod.Wrap(ErrInvalidField, err.Error())
	}
	return b, nil
}

func ValidateVerdictReason(s string) error {
	if err := inferencetypes.ValidateVerdictReason(s); err != nil {
		return errorsmod.Wrap(ErrInvalidField, err.Error())
	}
	return nil
}

// ValidateVerdict accepts MATCH, MISMATCH and ABSTAIN.
func ValidateVerdict(v TrainingVerdict) error {
	switch v {
	case TrainingVerdict_TRAINING_VERDICT_MATCH, TrainingVerdict_TRAINING_VERDICT_MISMATCH, TrainingVerdict_TRAINING_VERDICT_ABSTAIN:
		return nil
	}
	return errorsmod.Wrapf(ErrInvalidField, "verdict: %s is not MATCH, MISMATCH or ABSTAIN", v)
}

func parseFraction(name, val string) (math.LegacyDec, error) {
	d, err := math.LegacyNewDecFromStr(val)
	if err != nil {
		return math.LegacyDec{}, errorsmod.Wrapf(ErrInvalidParams, "%s: %q is not a decimal: %v", name, val, err)
	}
	if d.IsNegative() || d.GT(math.LegacyOneDec()) {
		return math.LegacyDec{}, errorsmod.Wrapf(ErrInvalidParams, "%s: %s is not in [0, 1]", name, d)
	}
	return d, nil
}

// AuditProbabilityDec parses audit_probability.
func (p Params) AuditProbabilityDec() (math.LegacyDec, error) {
	return parseFraction("audit_probability", p.AuditProbability)
}

// SlashFractionDec parses slash_fraction.
func (p Params) SlashFractionDec() (math.LegacyDec, error) {
	return parseFraction("slash_fraction", p.SlashFraction)
}
