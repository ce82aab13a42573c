package types_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// verdictVectorFile pins types.VerdictCommitHash for the sidecar (TypeScript), which must compute the same
// bytes. Regenerate with INFERCHAIN_WRITE_VECTORS=1 go test ./x/inference/types -run TestVerdictCommitVectors.
const verdictVectorFile = "testdata/verdict_commit_vectors.json"

type verdictVector struct {
	Name        string `json:"name"`
	JobID       string `json:"job_id"` // decimal string: job ids are uint64, beyond JS numbers
	Verdict     int    `json:"verdict"`
	VerdictName string `json:"verdict_name"`
	Salt        string `json:"salt"`
	Verifier    string `json:"verifier"`
	Preimage    string `json:"preimage"`
	CommitHash  string `json:"commit_hash"`
}

type verdictVectors struct {
	Description string          `json:"description"`
	Vectors     []verdictVector `json:"vectors"`
}

func seq32(start byte) []byte {
	b := make([]byte, 32)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

func buildVerdictVectors() verdictVectors {
	h := sha256.Sum256([]byte("salt"))
	inputs := []struct {
		name     string
		jobID    uint64
		verdict  types.Verdict
		salt     []byte
		verifier string
	}{
		{"valid, job 1, zero salt", 1, types.Verdict_VERDICT_VALID, make([]byte, 32), "infervaloper1qqqsyqcyq5rqwzqfpg9scrgwpugpzysnj5u8ea"},
		{"fraud, job 1, zero salt", 1, types.Verdict_VERDICT_FRAUD, make([]byte, 32), "infervaloper1qqqsyqcyq5rqwzqfpg9scrgwpugpzysnj5u8ea"},
		{"valid, job 42, counting salt", 42, types.Verdict_VERDICT_VALID, seq32(0), "infervaloper1esweepj7swqv94txm3eyce3kjpg6e74remz5wn"},
		{"fraud, job 2^32+7, sha256(\"salt\")", 1<<32 + 7, types.Verdict_VERDICT_FRAUD, h[:], "infervaloper1esweepj7swqv94txm3eyce3kjpg6e74remz5wn"},
		{"fraud, max job id, 0xff salt", ^uint64(0), types.Verdict_VERDICT_FRAUD, seq32(0xe0), "infervaloper1lllllllllllllllllllllllllllllllllllllllllllllllllllsa8c5u6"},
		{"abstain, job 9, counting salt", 9, types.Verdict_VERDICT_ABSTAIN, seq32(0x10), "infervaloper1esweepj7swqv94txm3eyce3kjpg6e74remz5wn"},
	}
	out := verdictVectors{Description: `commit_hash = lowercase hex(sha256("inferchain/verdict" || u64be(job_id) || u8(verdict) || salt (32 bytes) || utf8(verifier))); verdict: 1 = VERDICT_VALID, 2 = VERDICT_FRAUD, 3 = VERDICT_ABSTAIN; verifier: the committee member's infervaloper address as stored in the audit committee; job_id is a decimal string; preimage is hex`}
	for _, in := range inputs {
		out.Vectors = append(out.Vectors, verdictVector{
			Name:        in.name,
			JobID:       strconv.FormatUint(in.jobID, 10),
			Verdict:     int(in.verdict),
			VerdictName: in.verdict.String(),
			Salt:        hex.EncodeToString(in.salt),
			Verifier:    in.verifier,
			Preimage:    hex.EncodeToString(types.VerdictCommitPreimage(in.jobID, in.verdict, in.salt, in.verifier)),
			CommitHash:  types.VerdictCommitHash(in.jobID, in.verdict, in.salt, in.verifier),
		})
	}
	return out
}

func TestVerdictCommitVectors(t *testing.T) {
	want := buildVerdictVectors()
	if os.Getenv("INFERCHAIN_WRITE_VECTORS") == "1" {
		bz, err := json.MarshalIndent(want, "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Dir(verdictVectorFile), 0o755))
		require.NoError(t, os.WriteFile(verdictVectorFile, append(bz, '\n'), 0o644))
	}
	bz, err := os.ReadFile(verdictVectorFile)
	require.NoError(t, err)
	var got verdictVectors
	require.NoError(t, json.Unmarshal(bz, &got))
	require.Equal(t, want, got, "the vector file is stale")

	// the file is checked independently of the Go function: recompute each hash by hand from its inputs
	for _, v := range got.Vectors {
		id, err := strconv.ParseUint(v.JobID, 10, 64)
		require.NoError(t, err)
		salt, err := types.ParseSalt(v.Salt)
		require.NoError(t, err)
		var pre []byte
		pre = append(pre, "inferchain/verdict"...)
		pre = binary.BigEndian.AppendUint64(pre, id)
		pre = append(pre, byte(v.Verdict))
		pre = append(pre, salt...)
		pre = append(pre, v.Verifier...)
		require.Equal(t, v.Preimage, hex.EncodeToString(pre), v.Name)
		sum := sha256.Sum256(pre)
		require.Equal(t, v.CommitHash, hex.EncodeToString(sum[:]), v.Name)
	}
	// one pinned literal, so a change of the scheme cannot slip through by regenerating the file
	require.Equal(t, "inferchain/verdict", types.VerdictDomain)
	require.Len(t, got.Vectors[0].Preimage, 2*(18+8+1+32+len(got.Vectors[0].Verifier)))
}

func TestParseSalt(t *testing.T) {
	s, err := types.ParseSalt(hex.EncodeToString(seq32(1)))
	require.NoError(t, err)
	require.Equal(t, seq32(1), s)
	for _, bad := range []string{"", "ab", hex.EncodeToString(seq32(1))[:62], "AB" + hex.EncodeToString(seq32(1))[2:], hex.EncodeToString(seq32(1)) + "00"} {
		_, err := types.ParseSalt(bad)
		require.ErrorContains(t, err, "salt:", bad)
	}
}

// Selection happens at rate p over job ids, and exactly never at p = 0 and always at p = 1.
func TestAuditSelectionRate(t *testing.T) {
	hash := sha256.Sum256([]byte("some block"))
	const n = 40000
	rate := func(p string) float64 {
		d := math.LegacyMustNewDecFromStr(p)
		c := 0
		for id := uint64(1); id <= n; id++ {
			if types.AuditSelected(types.AuditDraw(hash[:], id), d) {
				c++
			}
		}
		return float64(c) / n
	}
	require.Equal(t, 0.0, rate("0"))
	require.Equal(t, 1.0, rate("1"))
	// 4.5 standard deviations
	require.InDelta(t, 0.05, rate("0.05"), 0.005)
	require.InDelta(t, 0.5, rate("0.5"), 0.012)
	require.InDelta(t, 0.001, rate("0.001"), 0.0008)

	// exact comparison: draw mod 1e18 < p x 1e18
	var draw [32]byte
	binary.BigEndian.PutUint64(draw[24:], 49_999_999_999_999_999) // 0.049999999999999999 x 1e18
	require.True(t, types.AuditSelected(draw, math.LegacyMustNewDecFromStr("0.05")))
	binary.BigEndian.PutUint64(draw[24:], 50_000_000_000_000_000)
	require.False(t, types.AuditSelected(draw, math.LegacyMustNewDecFromStr("0.05")))
	require.True(t, types.AuditSelected(draw, math.LegacyMustNewDecFromStr("0.050000000000000001")))
	// the whole 256-bit number is reduced mod 1e18, not just its low bytes
	draw[0] = 1
	r := new(big.Int).Mod(new(big.Int).SetBytes(draw[:]), big.NewInt(1_000_000_000_000_000_000))
	p := math.LegacyNewDecFromBigIntWithPrec(new(big.Int).Add(r, big.NewInt(1)), 18)
	require.True(t, types.AuditSelected(draw, p))
	require.False(t, types.AuditSelected(draw, math.LegacyNewDecFromBigIntWithPrec(r, 18)))
	require.Equal(t, false, types.AuditSelected([32]byte{}, math.LegacyZeroDec()))
	require.Equal(t, true, types.AuditSelected([32]byte{}, math.LegacyMustNewDecFromStr("0.000000000000000001")))
}

func TestAuditDraw(t *testing.T) {
	hash := []byte{1, 2, 3}
	want := sha256.Sum256(append(append([]byte("inferchain/audit"), hash...), 0, 0, 0, 0, 0, 0, 0, 9))
	require.Equal(t, want, types.AuditDraw(hash, 9))
	cd := types.CommitteeDraw(want, 2)
	require.Equal(t, sha256.Sum256(append(want[:], 0, 0, 0, 2)), cd)
}

// The committee is drawn without replacement, weighted: distinct members, min(size, positive weights) of
// them, and a member's chance of being drawn first is its share of the weight.
func TestPickCommittee(t *testing.T) {
	w := []math.Int{math.NewInt(100), math.NewInt(0), math.NewInt(300), math.NewInt(600)}
	first := map[int]int{}
	const n = 20000
	for i := 0; i < n; i++ {
		draw := sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(i)))
		c := types.PickCommittee(draw, w, 2)
		require.Len(t, c, 2)
		require.NotEqual(t, c[0], c[1])
		require.NotContains(t, c, 1, "zero weight is never drawn")
		first[c[0]]++
		require.Equal(t, c, types.PickCommittee(draw, w, 2), "deterministic")
		require.Equal(t, c[:1], types.PickCommittee(draw, w, 1), "a smaller committee is a prefix")
		all := types.PickCommittee(draw, w, 5)
		require.Len(t, all, 3, "only three positive weights")
		require.Equal(t, c, all[:2])
	}
	require.InDelta(t, 0.1, float64(first[0])/n, 0.01)
	require.InDelta(t, 0.3, float64(first[2])/n, 0.015)
	require.InDelta(t, 0.6, float64(first[3])/n, 0.015)
	require.Empty(t, types.PickCommittee([32]byte{}, nil, 3))
	require.Empty(t, types.PickCommittee([32]byte{}, w, 0))
	require.Equal(t, "committee of 2: only 2 other executors serve the model", types.CommitteeNote(2, 3))
	require.Equal(t, "committee of 1: only 1 other executor serves the model", types.CommitteeNote(1, 3))
	require.Equal(t, "", types.CommitteeNote(3, 3))
}

func TestVerdictMsgValidateBasic(t *testing.T) {
	sidecar := "infer1qqqsyqcyq5rqwzqfpg9scrgwpugpzysn0jz7ap"
	hash := hex.EncodeToString(seq32(3))
	require.NoError(t, (&types.MsgCommitVerdict{Sidecar: sidecar, JobId: 1, CommitHash: hash}).ValidateBasic())
	require.ErrorContains(t, (&types.MsgCommitVerdict{Sidecar: "", JobId: 1, CommitHash: hash}).ValidateBasic(), "sidecar:")
	require.ErrorContains(t, (&types.MsgCommitVerdict{Sidecar: sidecar, CommitHash: hash}).ValidateBasic(), "job_id:")
	require.ErrorContains(t, (&types.MsgCommitVerdict{Sidecar: sidecar, JobId: 1, CommitHash: "ABCD"}).ValidateBasic(), "commit_hash:")

	ok := types.MsgRevealVerdict{Sidecar: sidecar, JobId: 1, Verdict: types.Verdict_VERDICT_FRAUD, Salt: hash, Reason: "step 3: gap 5.21 > eps 0.01"}
	require.NoError(t, ok.ValidateBasic())
	for _, tc := range []struct {
		mod  func(m *types.MsgRevealVerdict)
		want string
	}{
		{func(m *types.MsgRevealVerdict) { m.Verdict = types.Verdict_VERDICT_UNSPECIFIED }, "verdict:"},
		{func(m *types.MsgRevealVerdict) { m.Verdict = 7 }, "verdict:"},
		{func(m *types.MsgRevealVerdict) { m.Salt = "00" }, "salt:"},
		{func(m *types.MsgRevealVerdict) { m.Reason = string(make([]byte, 513)) }, "reason: is 513 bytes"},
		{func(m *types.MsgRevealVerdict) { m.Reason = "\xff" }, "reason: must be valid UTF-8"},
		{func(m *types.MsgRevealVerdict) { m.JobId = 0 }, "job_id:"},
	} {
		m := ok
		tc.mod(&m)
		require.ErrorContains(t, m.ValidateBasic(), tc.want)
	}
}
