package types_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/inferchain/inferchain/chain/x/training/types"
)

// The sidecar computes the same commitment (node/src/training/verify-duty.test.ts pins the same vector).
func TestVerdictCommitHash_Vector(t *testing.T) {
	got := types.VerdictCommitHash(42, types.TrainingVerdict_TRAINING_VERDICT_MISMATCH, bytes.Repeat([]byte{0xab}, 32), "infervaloper1abc")
	require.Equal(t, "e31e7d475b39ed2cc589ffbacb59fd534e320a9cf3812e256d0a097f84c21bc5", got)
	require.NotEqual(t, got, types.VerdictCommitHash(42, types.TrainingVerdict_TRAINING_VERDICT_MATCH, bytes.Repeat([]byte{0xab}, 32), "infervaloper1abc"))
}
