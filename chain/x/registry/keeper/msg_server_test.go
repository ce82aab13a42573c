package keeper_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	"github.com/inferchain/inferchain/chain/x/registry/types"
)

func TestRegisterModelHappyPath(t *testing.T) {
	f := newFixture(t)
	ds := f.registerDataset(f.datasetMsg("pile", "pile", "1"))
	base := f.registerModel(f.modelMsg("base", "tiny", "1.0"))

	m := f.modelMsg("ft", "tiny-chat", "1.0")
	m.Parents = []types.ParentRef{{Model: base, Relation: types.ParentRelation_PARENT_RELATION_FINETUNE}}
	m.Datasets = []types.DatasetRef{{Dataset: ds, Role: types.DatasetRole_DATASET_ROLE_FINETUNE}}
	m.RecipeHash = strings.Repeat("ab", 32)
	ft := f.registerModel(m)

	got, found, err := f.k.GetModel(f.ctx, ft)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, "tiny-chat", got.Name)
	require.Equal(t, f.alice, got.Publisher)
	require.Equal(t, types.ModelStatus_MODEL_STATUS_ACTIVE, got.Status)
	require.Equal(t, int64(10), got.CreatedHeight)
	require.Equal(t, m.Files[0].Size_+m.Files[1].Size_, got.TotalBytes)
	require.Len(t, got.Parents, 1)

	has, err := f.k.ModelChildren.Has(f.ctx, collections.Join(base, ft))
	require.NoError(t, err)
	require.True(t, has)
	has, err = f.k.DatasetUsers.Has(f.ctx, collections.Join(ds, ft))
	require.NoError(t, err)
	require.True(t, has)

	byName, found, err := f.k.ModelByName(f.ctx, "tiny-chat", "1.0")
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, ft, byName.ContentRoot)

	// a typed event per registration
	var n int
	for _, e := range f.ctx.EventManager().Events() {
		if e.Type == "inferchain.registry.v1.EventModelRegistered" {
			n++
		}
	}
	require.Equal(t, 2, n)
	active, err := f.k.IsModelActive(f.ctx, ft)
	require.NoError(t, err)
	require.True(t, active)
}

func TestRegisterModelRefused(t *testing.T) {
	f := newFixture(t)
	ds := f.registerDataset(f.datasetMsg("pile", "pile", "1"))
	base := f.registerModel(f.modelMsg("base", "tiny", "1.0"))
	unknown := strings.Repeat("0", 64)

	cases := []struct {
		name   string
		mutate func(m *types.MsgRegisterModel)
		want   []string
		is     *errorsmod.Error
	}{
		{"unknown parent", func(m *types.MsgRegisterModel) {
			m.Parents = []types.ParentRef{{Model: unknown, Relation: types.ParentRelation_PARENT_RELATION_FINETUNE}}
		}, []string{"parents[0].model", unknown}, types.ErrNotFound},
		{"unknown dataset", func(m *types.MsgRegisterModel) {
			m.Datasets = []types.DatasetRef{{Dataset: ds, Role: types.DatasetRole_DATASET_ROLE_PRETRAIN}, {Dataset: unknown, Role: types.DatasetRole_DATASET_ROLE_EVAL}}
		}, []string{"datasets[1].dataset", unknown}, types.ErrNotFound},
		{"parent is a dataset", func(m *types.MsgRegisterModel) {
			m.Parents = []types.ParentRef{{Model: ds, Relation: types.ParentRelation_PARENT_RELATION_FINETUNE}}
		}, []string{"parents[0].model"}, types.ErrNotFound},
		{"content root not hex", func(m *types.MsgRegisterModel) { m.ContentRoot = "xyz" },
			[]string{`content_root: must be 64 lowercase hex characters (a SHA-256 digest), got "xyz"`}, types.ErrInvalidDigest},
		{"content root uppercase", func(m *types.MsgRegisterModel) { m.ContentRoot = strings.ToUpper(m.ContentRoot) },
			[]string{"content_root: must be 64 lowercase hex"}, types.ErrInvalidDigest},
		{"content root 31 bytes", func(m *types.MsgRegisterModel) { m.ContentRoot = m.ContentRoot[:62] },
			[]string{"content_root"}, types.ErrInvalidDigest},
		{"file root not hex", func(m *types.MsgRegisterModel) { m.Files[1].Root = "00" },
			[]string{"files[1].root"}, types.ErrInvalidDigest},
		{"parent digest bad", func(m *types.MsgRegisterModel) {
			m.Parents = []types.ParentRef{{Model: "zz", Relation: types.ParentRelation_PARENT_RELATION_FINETUNE}}
		}, []string{"parents[0].model: must be 64"}, types.ErrInvalidDigest},
		{"content root mismatch", func(m *types.MsgRegisterModel) { m.Files[0].Size_++ },
			[]string{"content_root: does not match the files (computed"}, types.ErrContentRootMismatch},
		{"content root of other files", func(m *types.MsgRegisterModel) { _, m.ContentRoot = artifact("other", 1) },
			[]string{"content_root: does not match the files"}, types.ErrContentRootMismatch},
		{"duplicate content root", func(m *types.MsgRegisterModel) {
			*m = *f.modelMsg("base", "tiny-again", "1.0")
		}, []string{"content_root", "already registered"}, types.ErrDuplicate},
		{"content root used by a dataset", func(m *types.MsgRegisterModel) {
			d := f.datasetMsg("pile", "x", "1")
			m.Files, m.ContentRoot = d.Files, d.ContentRoot
		}, []string{"content_root", "dataset", "already registered"}, types.ErrDuplicate},
		{"duplicate name@version", func(m *types.MsgRegisterModel) { m.Name, m.Version = "tiny", "1.0" },
			[]string{"name: model tiny@1.0 is already registered", base}, types.ErrDuplicate},
		{"empty name", func(m *types.MsgRegisterModel) { m.Name = "" }, []string{"name: must not be empty"}, types.ErrInvalidField},
		{"empty version", func(m *types.MsgRegisterModel) { m.Version = "" }, []string{"version: must not be empty"}, types.ErrInvalidField},
		{"empty format", func(m *types.MsgRegisterModel) { m.Format = "" }, []string{"format: must not be empty"}, types.ErrInvalidField},
		{"name too long", func(m *types.MsgRegisterModel) { m.Name = strings.Repeat("n", 129) },
			[]string{"name: is 129 bytes, the maximum is 128"}, types.ErrInvalidField},
		{"name with @", func(m *types.MsgRegisterModel) { m.Name = "a@b" }, []string{"name: must not contain '@'"}, types.ErrInvalidField},
		{"name with space", func(m *types.MsgRegisterModel) { m.Name = "a b" }, []string{"name: must not contain whitespace"}, types.ErrInvalidField},
		{"card uri too long", func(m *types.MsgRegisterModel) { m.CardUri = "https://" + strings.Repeat("u", 600) },
			[]string{"card_uri: is 608 bytes, the maximum is 512"}, types.ErrInvalidField},
		{"no files", func(m *types.MsgRegisterModel) { m.Files = nil }, []string{"files: must list at least one file"}, types.ErrInvalidField},
		{"absolute path", func(m *types.MsgRegisterModel) { m.Files[0].Path = "/etc/passwd" }, []string{"files[0].path: must be relative"}, types.ErrInvalidField},
		{"dotdot path", func(m *types.MsgRegisterModel) { m.Files[0].Path = "a/../b" }, []string{`files[0].path: must not contain ".." segments`}, types.ErrInvalidField},
		{"duplicate path", func(m *types.MsgRegisterModel) { m.Files[1].Path = m.Files[0].Path }, []string{"files[1].path", "also files[0].path"}, types.ErrDuplicate},
		{"relation unspecified", func(m *types.MsgRegisterModel) {
			m.Parents = []types.ParentRef{{Model: base}}
		}, []string{"parents[0].relation: must be specified"}, types.ErrInvalidField},
		{"duplicate parent", func(m *types.MsgRegisterModel) {
			p := types.ParentRef{Model: base, Relation: types.ParentRelation_PARENT_RELATION_MERGE}
			m.Parents = []types.ParentRef{p, p}
		}, []string{"parents[1].model", "also parents[0].model"}, types.ErrDuplicate},
		{"role unspecified", func(m *types.MsgRegisterModel) {
			m.Datasets = []types.DatasetRef{{Dataset: ds}}
		}, []string{"datasets[0].role: must be specified"}, types.ErrInvalidField},
		{"bad publisher", func(m *types.MsgRegisterModel) { m.Publisher = "cosmos1xyz" }, []string{"publisher"}, types.ErrInvalidAddress},
		{"empty publisher", func(m *types.MsgRegisterModel) { m.Publisher = "" }, []string{"publisher: must not be empty"}, types.ErrInvalidAddress},
		{"recipe hash bad", func(m *types.MsgRegisterModel) { m.RecipeHash = "sha256:abc" }, []string{"recipe_hash: must be 64"}, types.ErrInvalidDigest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.t = t
			m := f.modelMsg("new", "fresh", "2.0")
			tc.mutate(m)
			err := f.requireRefused(func() error { _, err := f.msg.RegisterModel(f.ctx, m); return err }, tc.want...)
			require.ErrorIs(t, err, tc.is)
		})
	}
	// and the untouched message goes through
	f.t = t
	f.registerModel(f.modelMsg("new", "fresh", "2.0"))
}

func TestRegisterDataset(t *testing.T) {
	f := newFixture(t)
	raw := f.registerDataset(f.datasetMsg("raw", "crawl", "2024"))
	clean := f.registerDataset(f.datasetMsg("clean", "crawl-clean", "2024", raw))
	d, found, err := f.k.GetDataset(f.ctx, clean)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, []string{raw}, d.Sources)
	require.Equal(t, uint64(1000), d.RecordCount)
	has, err := f.k.DatasetDerivatives.Has(f.ctx, collections.Join(raw, clean))
	require.NoError(t, err)
	require.True(t, has)

	unknown := strings.Repeat("1", 64)
	cases := []struct {
		name string
		msg  *types.MsgRegisterDataset
		want []string
		is   *errorsmod.Error
	}{
		{"unknown source", f.datasetMsg("x", "x", "1", unknown), []string{"sources[0]", unknown}, types.ErrNotFound},
		{"duplicate source", f.datasetMsg("x", "x", "1", raw, raw), []string{"sources[1]", "also sources[0]"}, types.ErrDuplicate},
		{"bad source digest", f.datasetMsg("x", "x", "1", "abc"), []string{"sources[0]: must be 64"}, types.ErrInvalidDigest},
		{"duplicate root", f.datasetMsg("raw", "other", "1"), []string{"content_root", "already registered"}, types.ErrDuplicate},
		{"duplicate name", f.datasetMsg("x", "crawl", "2024"), []string{"name: dataset crawl@2024 is already registered"}, types.ErrDuplicate},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.t = t
			err := f.requireRefused(func() error { _, err := f.msg.RegisterDataset(f.ctx, tc.msg); return err }, tc.want...)
			require.ErrorIs(t, err, tc.is)
		})
	}
	f.t = t
	self := f.datasetMsg("self", "self", "1")
	self.Sources = []string{self.ContentRoot}
	f.requireRefused(func() error { _, err := f.msg.RegisterDataset(f.ctx, self); return err }, "sources[0]: a dataset cannot be its own source")
	long := f.datasetMsg("l", "l", "1")
	long.Uri = "https://" + strings.Repeat("x", 513)
	f.requireRefused(func() error { _, err := f.msg.RegisterDataset(f.ctx, long); return err }, "uri: is 521 bytes, the maximum is 512")
	badLicense := f.datasetMsg("l", "l", "1")
	badLicense.License = "MIT\x00"
	f.requireRefused(func() error { _, err := f.msg.RegisterDataset(f.ctx, badLicense); return err }, "license: must not contain control characters")
}

func TestAttestAndRevoke(t *testing.T) {
	f := newFixture(t)
	ds := f.registerDataset(f.datasetMsg("pile", "pile", "1"))
	m := f.registerModel(f.modelMsg("base", "tiny", "1.0"))

	id1 := f.attest(f.bob, m, "eval")
	require.Equal(t, uint64(1), id1)
	res, err := f.msg.Attest(f.ctx, &types.MsgAttest{
		Attester: f.alice, Subject: ds, Predicate: "license-audit",
		MethodHash: strings.Repeat("a", 64), ResultHash: strings.Repeat("b", 64), ExpiresHeight: 100,
	})
	require.NoError(t, err)
	require.Equal(t, uint64(2), res.Id)

	a, err := f.k.Attestations.Get(f.ctx, 1)
	require.NoError(t, err)
	require.Equal(t, types.SubjectKind_SUBJECT_KIND_MODEL, a.SubjectKind)
	require.Equal(t, f.bob, a.Attester)
	require.Equal(t, int64(10), a.IssuedHeight)
	a2, err := f.k.Attestations.Get(f.ctx, 2)
	require.NoError(t, err)
	require.Equal(t, types.SubjectKind_SUBJECT_KIND_DATASET, a2.SubjectKind)

	unknown := strings.Repeat("2", 64)
	f.requireRefused(func() error {
		_, err := f.msg.Attest(f.ctx, &types.MsgAttest{Attester: f.bob, Subject: unknown, Predicate: "eval"})
		return err
	}, "subject: no model or dataset with content root "+unknown)
	f.requireRefused(func() error {
		_, err := f.msg.Attest(f.ctx, &types.MsgAttest{Attester: f.bob, Subject: m, Predicate: "eval", ExpiresHeight: 10})
		return err
	}, "expires_height: 10 is not above the current height 10")
	f.requireRefused(func() error {
		_, err := f.msg.Attest(f.ctx, &types.MsgAttest{Attester: f.bob, Subject: m, Predicate: "eval", Score: "high"})
		return err
	}, `score: must be a decimal number`)
	f.requireRefused(func() error {
		_, err := f.msg.Attest(f.ctx, &types.MsgAttest{Attester: f.bob, Subject: m, Predicate: ""})
		return err
	}, "predicate: must not be empty")
	f.requireRefused(func() error {
		_, err := f.msg.Attest(f.ctx, &types.MsgAttest{Attester: f.bob, Subject: "nothex", Predicate: "eval"})
		return err
	}, "subject: must be 64 lowercase hex")

	// only the attester may revoke
	err = f.requireRefused(func() error {
		_, err := f.msg.RevokeAttestation(f.ctx, &types.MsgRevokeAttestation{Attester: f.alice, Id: id1})
		return err
	}, "attester:", "only its attester may revoke it")
	require.ErrorIs(t, err, types.ErrUnauthorized)
	f.requireRefused(func() error {
		_, err := f.msg.RevokeAttestation(f.ctx, &types.MsgRevokeAttestation{Attester: f.bob, Id: 99})
		return err
	}, "id: no attestation with id 99")

	f.ctx = f.ctx.WithBlockHeight(12)
	_, err = f.msg.RevokeAttestation(f.ctx, &types.MsgRevokeAttestation{Attester: f.bob, Id: id1})
	require.NoError(t, err)
	a, err = f.k.Attestations.Get(f.ctx, id1)
	require.NoError(t, err)
	require.True(t, a.Revoked)
	require.Equal(t, int64(12), a.RevokedHeight)

	err = f.requireRefused(func() error {
		_, err := f.msg.RevokeAttestation(f.ctx, &types.MsgRevokeAttestation{Attester: f.bob, Id: id1})
		return err
	}, "id: attestation 1 was already revoked at height 12")
	require.ErrorIs(t, err, types.ErrAlreadyRevoked)
}

func TestUpdateModelStatus(t *testing.T) {
	f := newFixture(t)
	old := f.registerModel(f.modelMsg("v1", "tiny", "1.0"))
	next := f.registerModel(f.modelMsg("v2", "tiny", "2.0"))

	// a non-publisher may not change the status
	err := f.requireRefused(func() error {
		_, err := f.msg.UpdateModelStatus(f.ctx, &types.MsgUpdateModelStatus{Publisher: f.bob, ContentRoot: old, Status: types.ModelStatus_MODEL_STATUS_DEPRECATED})
		return err
	}, "publisher:", "only its publisher may change its status")
	require.ErrorIs(t, err, types.ErrUnauthorized)
	f.requireRefused(func() error {
		_, err := f.msg.UpdateModelStatus(f.ctx, &types.MsgUpdateModelStatus{Publisher: f.alice, ContentRoot: old, Status: types.ModelStatus_MODEL_STATUS_UNSPECIFIED})
		return err
	}, "status: must be specified")
	f.requireRefused(func() error {
		_, err := f.msg.UpdateModelStatus(f.ctx, &types.MsgUpdateModelStatus{Publisher: f.alice, ContentRoot: old, Status: types.ModelStatus_MODEL_STATUS_ACTIVE})
		return err
	}, "status: cannot change from active to active")
	f.requireRefused(func() error {
		_, err := f.msg.UpdateModelStatus(f.ctx, &types.MsgUpdateModelStatus{Publisher: f.alice, ContentRoot: old, Status: types.ModelStatus_MODEL_STATUS_DEPRECATED, SupersededBy: old})
		return err
	}, "superseded_by: a model cannot supersede itself")
	f.requireRefused(func() error {
		_, err := f.msg.UpdateModelStatus(f.ctx, &types.MsgUpdateModelStatus{Publisher: f.alice, ContentRoot: old, Status: types.ModelStatus_MODEL_STATUS_DEPRECATED, SupersededBy: strings.Repeat("3", 64)})
		return err
	}, "superseded_by: no model with content root")
	f.requireRefused(func() error {
		_, err := f.msg.UpdateModelStatus(f.ctx, &types.MsgUpdateModelStatus{Publisher: f.alice, ContentRoot: strings.Repeat("3", 64), Status: types.ModelStatus_MODEL_STATUS_DEPRECATED})
		return err
	}, "content_root: no model with content root")

	// active -> deprecated (superseded) -> active -> revoked, then final
	f.ctx = f.ctx.WithBlockHeight(20)
	_, err = f.msg.UpdateModelStatus(f.ctx, &types.MsgUpdateModelStatus{Publisher: f.alice, ContentRoot: old, Status: types.ModelStatus_MODEL_STATUS_DEPRECATED, SupersededBy: next, Reason: "use 2.0"})
	require.NoError(t, err)
	m, _, _ := f.k.GetModel(f.ctx, old)
	require.Equal(t, types.ModelStatus_MODEL_STATUS_DEPRECATED, m.Status)
	require.Equal(t, next, m.SupersededBy)
	require.Equal(t, "use 2.0", m.StatusReason)
	require.Equal(t, int64(20), m.StatusHeight)

	_, err = f.msg.UpdateModelStatus(f.ctx, &types.MsgUpdateModelStatus{Publisher: f.alice, ContentRoot: old, Status: types.ModelStatus_MODEL_STATUS_ACTIVE})
	require.NoError(t, err)
	m, _, _ = f.k.GetModel(f.ctx, old)
	require.Equal(t, types.ModelStatus_MODEL_STATUS_ACTIVE, m.Status)
	require.Empty(t, m.SupersededBy)

	_, err = f.msg.UpdateModelStatus(f.ctx, &types.MsgUpdateModelStatus{Publisher: f.alice, ContentRoot: old, Status: types.ModelStatus_MODEL_STATUS_REVOKED, Reason: "leaked eval set"})
	require.NoError(t, err)
	active, err := f.k.IsModelActive(f.ctx, old)
	require.NoError(t, err)
	require.False(t, active)
	err = f.requireRefused(func() error {
		_, err := f.msg.UpdateModelStatus(f.ctx, &types.MsgUpdateModelStatus{Publisher: f.alice, ContentRoot: old, Status: types.ModelStatus_MODEL_STATUS_ACTIVE})
		return err
	}, "status: cannot change from revoked to active (revoked is final)")
	require.ErrorIs(t, err, types.ErrInvalidStatus)
}

func TestUpdateParams(t *testing.T) {
	f := newFixture(t)
	p := types.DefaultParams()
	p.MaxFiles = 1
	err := f.requireRefused(func() error {
		_, err := f.msg.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.alice, Params: p})
		return err
	}, "authority: expected "+f.authority)
	require.ErrorIs(t, err, types.ErrUnauthorized)
	bad := p
	bad.MaxLineageNodes = 0
	f.requireRefused(func() error {
		_, err := f.msg.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.authority, Params: bad})
		return err
	}, "params.max_lineage_nodes: must be positive")

	_, err = f.msg.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.authority, Params: p})
	require.NoError(t, err)
	got, err := f.k.GetParams(f.ctx)
	require.NoError(t, err)
	require.Equal(t, p, got)

	// the new limit applies to the next registration
	f.requireRefused(func() error { _, err := f.msg.RegisterModel(f.ctx, f.modelMsg("m", "m", "1")); return err },
		"files: has 2 entries, the maximum is 1")
}
