package types

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"

	errorsmod "cosmossdk.io/errors"

	"github.com/inferchain/inferchain/chain/digest"
	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
)

// Proof-of-possession defaults (README "Proof of possession"): a challenge every 600 blocks (about an hour at
// 6 s blocks), 2 leaves each, answered within 100 blocks.
const (
	DefaultPossessionEpochBlocks  uint64 = 600
	DefaultPossessionLeaves       uint32 = 2
	DefaultPossessionWindowBlocks uint64 = 100

	// CeilingPossessionLeaves bounds the leaves of one challenge (a proof carries 4 KiB per leaf).
	CeilingPossessionLeaves uint32 = 16
	// CeilingPossessionEpochBlocks bounds the epoch (about a year at 6 s blocks).
	CeilingPossessionEpochBlocks uint64 = 5_256_000
	// MaxAuditPathLen bounds an audit path: a file of 2^64 leaves has 64 levels.
	MaxAuditPathLen = 64

	// PossessionDomain separates the possession draw from every other draw on the entropy.
	PossessionDomain = "inferchain/possession"

	PossessionOutcomeModelDropped        = "model_dropped"
	PossessionOutcomeExecutorDeactivated = "executor_deactivated"
)

// validatePossession checks the proof-of-possession params: a window inside the epoch (two challenges of one
// binding never overlap), and a bounded number of leaves.
func (p Params) validatePossession() error {
	if p.PossessionEpochBlocks == 0 {
		return nil // challenges disabled; the other two are not read
	}
	if p.PossessionEpochBlocks > CeilingPossessionEpochBlocks {
		return errorsmod.Wrapf(ErrInvalidParams, "params.possession_epoch_blocks: %d is above the ceiling %d", p.PossessionEpochBlocks, CeilingPossessionEpochBlocks)
	}
	if p.PossessionLeaves == 0 || p.PossessionLeaves > CeilingPossessionLeaves {
		return errorsmod.Wrapf(ErrInvalidParams, "params.possession_leaves: %d must be in 1..%d when possession_epoch_blocks is set", p.PossessionLeaves, CeilingPossessionLeaves)
	}
	if p.PossessionWindowBlocks == 0 || p.PossessionWindowBlocks > p.PossessionEpochBlocks {
		return errorsmod.Wrapf(ErrInvalidParams, "params.possession_window_blocks: %d must be in 1..possession_epoch_blocks (%d)", p.PossessionWindowBlocks, p.PossessionEpochBlocks)
	}
	return nil
}

// ChallengeLeaves derives the leaves one (validator, model) binding must prove in an epoch:
//
//	seed   = sha256("inferchain/possession" ‖ entropy ‖ u32be(len(validator)) ‖ validator ‖ u32be(len(model)) ‖ model ‖ u64be(epoch))
//	draw_i = u64be(sha256(seed ‖ u32be(i))[:8]) mod total_leaves
//
// where total_leaves is the sum of the 4 KiB leaf counts of the model's files in their registered order, and
// draw_i, a global leaf index over the whole artifact, is mapped to (file, leaf in file). Large files are
// challenged in proportion to their size. Pure: anyone can recompute it from chain data.
func ChallengeLeaves(entropy []byte, validator, model string, epoch uint64, files []registrytypes.ArtifactFile, n uint32) []ChallengedLeaf {
	var total uint64
	for _, f := range files {
		total += digest.LeafCount(f.Size_)
	}
	if total == 0 || n == 0 {
		return nil
	}
	h := sha256.New()
	h.Write([]byte(PossessionDomain))
	h.Write(entropy)
	var l [4]byte
	binary.BigEndian.PutUint32(l[:], uint32(len(validator)))
	h.Write(l[:])
	h.Write([]byte(validator))
	binary.BigEndian.PutUint32(l[:], uint32(len(model)))
	h.Write(l[:])
	h.Write([]byte(model))
	var e [8]byte
	binary.BigEndian.PutUint64(e[:], epoch)
	h.Write(e[:])
	seed := h.Sum(nil)

	out := make([]ChallengedLeaf, 0, n)
	for i := uint32(0); i < n; i++ {
		var buf [sha256.Size + 4]byte
		copy(buf[:], seed)
		binary.BigEndian.PutUint32(buf[sha256.Size:], i)
		d := sha256.Sum256(buf[:])
		g := binary.BigEndian.Uint64(d[:8]) % total
		for _, f := range files {
			c := digest.LeafCount(f.Size_)
			if g < c {
				out = append(out, ChallengedLeaf{Path: f.Path, LeafIndex: g})
				break
			}
			g -= c
		}
	}
	return out
}

// VerifyLeafProof checks one answer against the registered file: the right leaf, at most 4 KiB, and an audit
// path that leads from the leaf's hash to the file's registered root. It returns a field error naming what
// is wrong.
func VerifyLeafProof(i int, want ChallengedLeaf, got LeafProof, file registrytypes.ArtifactFile) error {
	field := func(f string) string { return "proofs[" + strconv.Itoa(i) + "]." + f }
	if got.Path != want.Path {
		return FieldErr(field("path"), "is %q, the challenge asks for %q", got.Path, want.Path)
	}
	if got.LeafIndex != want.LeafIndex {
		return FieldErr(field("leaf_index"), "is %d, the challenge asks for %d", got.LeafIndex, want.LeafIndex)
	}
	if len(got.Data) > digest.LeafSize {
		return FieldErr(field("data"), "has %d bytes, a leaf has at most %d", len(got.Data), digest.LeafSize)
	}
	if len(got.AuditPath) > MaxAuditPathLen {
		return FieldErr(field("audit_path"), "has %d hashes, at most %d", len(got.AuditPath), MaxAuditPathLen)
	}
	path := make([]digest.Hash, len(got.AuditPath))
	for j, p := range got.AuditPath {
		if len(p) != digest.Size {
			return FieldErr(field("audit_path"), "entry %d has %d bytes, a hash has %d", j, len(p), digest.Size)
		}
		copy(path[j][:], p)
	}
	root, err := digest.ParseHex(file.Root)
	if err != nil {
		return FieldErr(field("path"), "the registered root of %q does not parse: %v", file.Path, err)
	}
	if !digest.VerifyInclusion(digest.LeafHash(got.Data), got.LeafIndex, digest.LeafCount(file.Size_), path, root) {
		return FieldErr(field("audit_path"), "does not lead from the leaf to the root %s of %q", file.Root, file.Path)
	}
	return nil
}
