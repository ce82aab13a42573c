package types_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/inferchain/inferchain/chain/digest"
	"github.com/inferchain/inferchain/chain/x/registry/types"
)

const addr = "infer1qyqszqgpqyqszqgpqyqszqgpqyqszqgp2h3qvx" // syntactically fine; the keeper checks bech32

func files(n int) ([]types.ArtifactFile, string) {
	fs := make([]types.ArtifactFile, n)
	for i := range fs {
		data := []byte(strings.Repeat("w", 5000*(i+1)))
		fs[i] = types.ArtifactFile{Path: "dir/f" + string(rune('a'+i)) + ".bin", Size_: uint64(len(data)), Root: digest.FileRootBytes(data).Hex()}
	}
	root, err := types.ComputeContentRoot(fs)
	if err != nil {
		panic(err)
	}
	return fs, root
}

func validModel() *types.MsgRegisterModel {
	fs, root := files(3)
	return &types.MsgRegisterModel{
		Publisher: addr, ContentRoot: root, Name: "tiny", Version: "1.0", Format: "onnx", Files: fs,
		Parents:  []types.ParentRef{{Model: strings.Repeat("a", 64), Relation: types.ParentRelation_PARENT_RELATION_DISTILLED}},
		Datasets: []types.DatasetRef{{Dataset: strings.Repeat("b", 64), Role: types.DatasetRole_DATASET_ROLE_EVAL}},
		License:  "MIT OR Apache-2.0", CardHash: strings.Repeat("c", 64),
	}
}

func TestValidateMsgRegisterModel(t *testing.T) {
	p := types.DefaultParams()
	require.NoError(t, validModel().Validate(p))
	require.NoError(t, validModel().ValidateBasic())

	cases := []struct {
		name   string
		mutate func(m *types.MsgRegisterModel)
		want   string
	}{
		{"digest xyz", func(m *types.MsgRegisterModel) { m.ContentRoot = "xyz" }, `content_root: must be 64 lowercase hex characters (a SHA-256 digest), got "xyz"`},
		{"long bad digest echoed truncated", func(m *types.MsgRegisterModel) { m.ContentRoot = strings.Repeat("z", 500) }, "(500 bytes)"},
		{"mismatch", func(m *types.MsgRegisterModel) { m.Files[2].Root = strings.Repeat("0", 64) }, "content_root: does not match the files (computed "},
		{"path empty", func(m *types.MsgRegisterModel) { m.Files[0].Path = "" }, "files[0].path: must not be empty"},
		{"path trailing slash", func(m *types.MsgRegisterModel) { m.Files[0].Path = "a/" }, "files[0].path: must not have empty segments"},
		{"path dot", func(m *types.MsgRegisterModel) { m.Files[0].Path = "./a" }, `files[0].path: must not contain "." segments`},
		{"path backslash", func(m *types.MsgRegisterModel) { m.Files[0].Path = `a\b` }, "files[0].path: must use '/'"},
		{"path control", func(m *types.MsgRegisterModel) { m.Files[0].Path = "a\nb" }, "files[0].path: must not contain control characters"},
		{"path invalid utf8", func(m *types.MsgRegisterModel) { m.Files[0].Path = "a\xffb" }, "files[0].path: must be valid UTF-8"},
		{"path too long", func(m *types.MsgRegisterModel) { m.Files[0].Path = strings.Repeat("p", 513) }, "files[0].path: is 513 bytes, the maximum is 512"},
		{"size overflow", func(m *types.MsgRegisterModel) { m.Files[0].Size_ = ^uint64(0) }, "files[1].size: the total size of the files overflows"},
		{"too many parents", func(m *types.MsgRegisterModel) {
			for i := 0; i < 17; i++ {
				m.Parents = append(m.Parents, types.ParentRef{Model: strings.Repeat(string(rune('0'+i%10)), 63) + "e", Relation: 1})
			}
		}, "parents: has 18 entries, the maximum is 16"},
		{"self parent", func(m *types.MsgRegisterModel) { m.Parents[0].Model = m.ContentRoot }, "parents[0].model: a model cannot be its own parent"},
		{"relation unknown", func(m *types.MsgRegisterModel) { m.Parents[0].Relation = 42 }, "parents[0].relation: unknown value 42"},
		{"role unknown", func(m *types.MsgRegisterModel) { m.Datasets[0].Role = -1 }, "datasets[0].role: unknown value -1"},
		{"duplicate dataset", func(m *types.MsgRegisterModel) { m.Datasets = append(m.Datasets, m.Datasets[0]) }, "datasets[1].dataset"},
		{"version too long", func(m *types.MsgRegisterModel) { m.Version = strings.Repeat("1", 200) }, "version: is 200 bytes, the maximum is 128"},
		{"format whitespace", func(m *types.MsgRegisterModel) { m.Format = "on nx" }, "format: must not contain whitespace"},
		{"card hash bad", func(m *types.MsgRegisterModel) { m.CardHash = "c" }, "card_hash: must be 64"},
		{"card uri space", func(m *types.MsgRegisterModel) { m.CardUri = "http://a b" }, "card_uri: must not contain whitespace"},
		{"license too long", func(m *types.MsgRegisterModel) { m.License = strings.Repeat("L", 129) }, "license: is 129 bytes"},
		{"publisher empty", func(m *types.MsgRegisterModel) { m.Publisher = " " }, "publisher: must not be empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := validModel()
			tc.mutate(m)
			err := m.Validate(p)
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
		})
	}
	var nilMsg *types.MsgRegisterModel
	require.Error(t, nilMsg.Validate(p))

	// too many files for the params, fine for the ceilings
	fs, root := files(3)
	small := p
	small.MaxFiles = 2
	m := validModel()
	m.Files, m.ContentRoot = fs, root
	require.ErrorContains(t, m.Validate(small), "files: has 3 entries, the maximum is 2")
	require.NoError(t, m.ValidateBasic())
}

func TestValidateOtherMsgs(t *testing.T) {
	p := types.DefaultParams()
	fs, root := files(1)
	d := &types.MsgRegisterDataset{Publisher: addr, ContentRoot: root, Name: "pile", Version: "1", Files: fs, Sources: []string{strings.Repeat("d", 64)}}
	require.NoError(t, d.Validate(p))
	d.Sources = append(d.Sources, "bad")
	require.ErrorContains(t, d.Validate(p), "sources[1]: must be 64")
	d.Sources = nil
	d.Name = "a@b"
	require.ErrorContains(t, d.Validate(p), "name: must not contain '@'")

	a := &types.MsgAttest{Attester: addr, Subject: root, Predicate: "eval", Score: "0.873"}
	require.NoError(t, a.Validate(p))
	for _, good := range []string{"", "0", "12", "-1.5", "0.000001", "100.0"} {
		a.Score = good
		require.NoError(t, a.Validate(p), good)
	}
	for _, bad := range []string{"1e3", "+1", "01", ".5", "5.", "NaN", "1,5", " 1", strings.Repeat("1", 41)} {
		a.Score = bad
		require.ErrorContains(t, a.Validate(p), "score:", bad)
	}
	a.Score = ""
	a.ExpiresHeight = -1
	require.ErrorContains(t, a.Validate(p), "expires_height: must be 0")
	a.ExpiresHeight = 0
	a.MethodHash = "m"
	require.ErrorContains(t, a.Validate(p), "method_hash: must be 64")

	r := &types.MsgRevokeAttestation{Attester: addr}
	require.ErrorContains(t, r.Validate(p), "id: must be at least 1")
	r.Id = 1
	require.NoError(t, r.ValidateBasic())

	s := &types.MsgUpdateModelStatus{Publisher: addr, ContentRoot: root, Status: types.ModelStatus_MODEL_STATUS_ACTIVE, SupersededBy: strings.Repeat("e", 64)}
	require.ErrorContains(t, s.Validate(p), "superseded_by: must be empty when the status is active")
	s.Status = 9
	require.ErrorContains(t, s.Validate(p), "status: unknown value 9")
	s.Status = types.ModelStatus_MODEL_STATUS_REVOKED
	require.NoError(t, s.Validate(p))
	s.Reason = "bad\x07"
	require.ErrorContains(t, s.Validate(p), "reason: must not contain control characters")

	u := &types.MsgUpdateParams{Authority: addr, Params: types.DefaultParams()}
	require.NoError(t, u.ValidateBasic())
	u.Params.MaxFiles = 0
	require.ErrorContains(t, u.ValidateBasic(), "params.max_files: must be positive")
}

func TestParamsValidate(t *testing.T) {
	require.NoError(t, types.DefaultParams().Validate())
	require.NoError(t, types.CeilingParams().Validate())
	p := types.DefaultParams()
	p.MaxUriLength = types.CeilingParams().MaxUriLength + 1
	require.ErrorContains(t, p.Validate(), "params.max_uri_length: 8193 is above the ceiling 8192")
	require.ErrorIs(t, p.Validate(), types.ErrInvalidParams)
	for _, zero := range []func(*types.Params){
		func(p *types.Params) { p.MaxFiles = 0 }, func(p *types.Params) { p.MaxParents = 0 },
		func(p *types.Params) { p.MaxDatasets = 0 }, func(p *types.Params) { p.MaxSources = 0 },
		func(p *types.Params) { p.MaxFieldLength = 0 }, func(p *types.Params) { p.MaxUriLength = 0 },
		func(p *types.Params) { p.MaxPathLength = 0 }, func(p *types.Params) { p.MaxLineageNodes = 0 },
	} {
		p := types.DefaultParams()
		zero(&p)
		require.ErrorContains(t, p.Validate(), "must be positive")
	}
}

// FuzzValidateMsgRegisterModel checks that message validation never panics, whatever the input, and that
// an accepted message really is consistent (content root recomputed, total size not overflowing).
// `go test` runs the seeds; `go test -fuzz FuzzValidateMsgRegisterModel ./x/registry/types` explores.
func FuzzValidateMsgRegisterModel(f *testing.F) {
	v := validModel()
	f.Add(v.Publisher, v.ContentRoot, v.Name, v.Version, v.Format, v.Files[0].Path, v.Files[0].Size_, v.Files[0].Root,
		v.Files[1].Path, v.Files[1].Size_, v.Files[1].Root, v.Parents[0].Model, int32(v.Parents[0].Relation),
		v.Datasets[0].Dataset, int32(v.Datasets[0].Role), v.License, v.CardUri)
	f.Add("", "", "", "", "", "", uint64(0), "", "", uint64(0), "", "", int32(0), "", int32(0), "", "")
	f.Add(addr, "xyz", "a@b", "1", "onnx", "/abs", uint64(1), "zz", "a/../b", ^uint64(0), strings.Repeat("A", 64),
		strings.Repeat("a", 64), int32(99), "b", int32(-5), "MIT\x00", "http://x y")
	f.Add(addr, strings.Repeat("f", 64), "n", "v", "gguf", "a", ^uint64(0), strings.Repeat("0", 64), "b", uint64(2),
		strings.Repeat("1", 64), strings.Repeat("f", 64), int32(1), strings.Repeat("2", 64), int32(1), "", "")
	f.Add(addr, strings.Repeat("0", 64), "\xff\xfe", "é", "ö", "é.txt", uint64(4096), strings.Repeat("e", 64), "é.txt",
		uint64(4096), strings.Repeat("e", 64), "", int32(0), "", int32(0), strings.Repeat("x", 2000), strings.Repeat("/", 9000))
	p := types.DefaultParams()
	f.Fuzz(func(t *testing.T, publisher, contentRoot, name, version, format, path1 string, size1 uint64, root1 string,
		path2 string, size2 uint64, root2, parent string, relation int32, dataset string, role int32, license, cardURI string,
	) {
		m := &types.MsgRegisterModel{
			Publisher: publisher, ContentRoot: contentRoot, Name: name, Version: version, Format: format,
			Files:   []types.ArtifactFile{{Path: path1, Size_: size1, Root: root1}, {Path: path2, Size_: size2, Root: root2}},
			License: license, CardUri: cardURI,
		}
		if parent != "" || relation != 0 {
			m.Parents = []types.ParentRef{{Model: parent, Relation: types.ParentRelation(relation)}}
		}
		if dataset != "" || role != 0 {
			m.Datasets = []types.DatasetRef{{Dataset: dataset, Role: types.DatasetRole(role)}}
		}
		err := m.Validate(p)
		_ = m.ValidateBasic()
		// the content root of the files, had the publisher computed it, is accepted unless another field is bad
		if fixed, cerr := types.ComputeContentRoot(m.Files); cerr == nil {
			m2 := *m
			m2.ContentRoot = fixed
			_ = m2.Validate(p)
		}
		if err != nil {
			return
		}
		got, cerr := types.ComputeContentRoot(m.Files)
		if cerr != nil || got != m.ContentRoot {
			t.Fatalf("accepted a message whose content root does not match its files: %v", cerr)
		}
		if size1+size2 < size1 {
			t.Fatal("accepted files whose total size overflows")
		}
		for _, fl := range m.Files {
			if fl.Path == "" || strings.HasPrefix(fl.Path, "/") || strings.Contains(fl.Path, "..") && containsDotDotSegment(fl.Path) {
				t.Fatalf("accepted a bad path %q", fl.Path)
			}
		}
	})
}

func containsDotDotSegment(p string) bool {
	for _, s := range strings.Split(p, "/") {
		if s == ".." {
			return true
		}
	}
	return false
}
