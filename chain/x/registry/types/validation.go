package types

import (
	"fmt"
	"math/bits"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	errorsmod "cosmossdk.io/errors"

	"github.com/inferchain/inferchain/chain/digest"
	"github.com/inferchain/inferchain/chain/internal/fields"
)

// Stateless validation of every registry message.
//
// Each message has Validate(Params), which the msg server calls with the current params before touching
// state, and ValidateBasic(), the same checks against CeilingParams (the largest limits governance may set),
// which baseapp runs in CheckTx. Every error names the offending field first, e.g.
//
//	content_root: must be 64 lowercase hex characters (a SHA-256 digest), got "xyz": invalid digest

// MaxScoreLength bounds the length of an attestation score.
const MaxScoreLength = 40

func show(s string) string { return fields.Show(s) }

func fieldErr(field, format string, args ...any) error {
	return fields.Err(ErrInvalidField, field, format, args...)
}

// ValidateDigest checks that s is a 64-character lowercase hex SHA-256 digest.
func ValidateDigest(field, s string) error {
	if !digest.IsHexDigest(s) {
		return errorsmod.Wrapf(ErrInvalidDigest, "%s: must be 64 lowercase hex characters (a SHA-256 digest), got %s", field, show(s))
	}
	return nil
}

func validateOptionalDigest(field, s string) error {
	if s == "" {
		return nil
	}
	return ValidateDigest(field, s)
}

// validateToken checks a required short identifier: non-empty, at most max bytes, valid UTF-8, no
// whitespace or control characters. forbidAt also refuses '@' (names, which form name@version handles).
func validateToken(field, s string, max uint32, forbidAt bool) error {
	if s == "" {
		return fieldErr(field, "must not be empty")
	}
	return validateOptionalToken(field, s, max, forbidAt)
}

func validateOptionalToken(field, s string, max uint32, forbidAt bool) error {
	if s == "" {
		return nil
	}
	if uint64(len(s)) > uint64(max) {
		return fieldErr(field, "is %d bytes, the maximum is %d", len(s), max)
	}
	if !utf8.ValidString(s) {
		return fieldErr(field, "must be valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || !unicode.IsPrint(r) {
			return fieldErr(field, "must not contain whitespace or control characters, got %s", show(s))
		}
		if forbidAt && r == '@' {
			return fieldErr(field, "must not contain '@' (it separates name@version), got %s", show(s))
		}
	}
	return nil
}

// validateText checks optional free text (spaces allowed, control characters not).
func validateText(field, s string, max uint32) error {
	if uint64(len(s)) > uint64(max) {
		return fieldErr(field, "is %d bytes, the maximum is %d", len(s), max)
	}
	if !utf8.ValidString(s) {
		return fieldErr(field, "must be valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) || (!unicode.IsPrint(r) && r != ' ') {
			return fieldErr(field, "must not contain control characters, got %s", show(s))
		}
	}
	return nil
}

// validateURI checks an optional URI: at most max bytes, no whitespace or control characters.
func validateURI(field, s string, max uint32) error {
	return validateOptionalToken(field, s, max, false)
}

func validateAddressField(field, s string) error {
	if strings.TrimSpace(s) == "" {
		return errorsmod.Wrapf(ErrInvalidAddress, "%s: must not be empty", field)
	}
	if len(s) > 255 {
		return errorsmod.Wrapf(ErrInvalidAddress, "%s: is %d bytes, too long for an address", field, len(s))
	}
	return nil
}

// ValidatePath checks one artifact file path: relative, '/'-separated, UTF-8, no empty, "." or ".."
// segments, no backslashes or control characters, at most max bytes.
func ValidatePath(field, p string, max uint32) error {
	if p == "" {
		return fieldErr(field, "must not be empty")
	}
	if uint64(len(p)) > uint64(max) {
		return fieldErr(field, "is %d bytes, the maximum is %d", len(p), max)
	}
	if !utf8.ValidString(p) {
		return fieldErr(field, "must be valid UTF-8")
	}
	if strings.HasPrefix(p, "/") {
		return fieldErr(field, "must be relative, got %s", show(p))
	}
	if strings.ContainsRune(p, '\\') {
		return fieldErr(field, "must use '/' as separator, got %s", show(p))
	}
	for _, r := range p {
		if unicode.IsControl(r) || (!unicode.IsPrint(r) && r != ' ') {
			return fieldErr(field, "must not contain control characters, got %s", show(p))
		}
	}
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "":
			return fieldErr(field, "must not have empty segments (leading, trailing or double '/'), got %s", show(p))
		case ".", "..":
			return fieldErr(field, "must not contain %q segments, got %s", seg, show(p))
		}
	}
	return nil
}

// ValidateFiles checks an artifact's file list and that contentRoot is the content root of those files
// (digest.ArtifactRoot). It returns the total size of the files.
func ValidateFiles(p Params, contentRoot string, files []ArtifactFile) (uint64, error) {
	if err := ValidateDigest("content_root", contentRoot); err != nil {
		return 0, err
	}
	if len(files) == 0 {
		return 0, fieldErr("files", "must list at least one file")
	}
	if uint64(len(files)) > uint64(p.MaxFiles) {
		return 0, fieldErr("files", "has %d entries, the maximum is %d", len(files), p.MaxFiles)
	}
	seen := make(map[string]int, len(files))
	dfiles := make([]digest.File, len(files))
	var total uint64
	for i, f := range files {
		field := fmt.Sprintf("files[%d]", i)
		if err := ValidatePath(field+".path", f.Path, p.MaxPathLength); err != nil {
			return 0, err
		}
		if j, dup := seen[f.Path]; dup {
			return 0, errorsmod.Wrapf(ErrDuplicate, "%s.path: %s is also files[%d].path", field, show(f.Path), j)
		}
		seen[f.Path] = i
		root, err := digest.ParseHex(f.Root)
		if err != nil {
			return 0, errorsmod.Wrapf(ErrInvalidDigest, "%s.root: must be 64 lowercase hex characters (a SHA-256 digest), got %s", field, show(f.Root))
		}
		var carry uint64
		total, carry = bits.Add64(total, f.Size_, 0)
		if carry != 0 {
			return 0, fieldErr(field+".size", "the total size of the files overflows 64 bits")
		}
		dfiles[i] = digest.File{Path: f.Path, Size: f.Size_, Root: root}
	}
	computed, err := digest.ArtifactRoot(dfiles)
	if err != nil {
		return 0, fieldErr("files", "%v", err)
	}
	if computed.Hex() != contentRoot {
		return 0, errorsmod.Wrapf(ErrContentRootMismatch, "content_root: does not match the files (computed %s, got %s)", computed.Hex(), contentRoot)
	}
	return total, nil
}

// ComputeContentRoot returns the content root of files (which must have valid roots and distinct paths).
func ComputeContentRoot(files []ArtifactFile) (string, error) {
	dfiles := make([]digest.File, len(files))
	for i, f := range files {
		root, err := digest.ParseHex(f.Root)
		if err != nil {
			return "", errorsmod.Wrapf(ErrInvalidDigest, "files[%d].root: %v", i, err)
		}
		dfiles[i] = digest.File{Path: f.Path, Size: f.Size_, Root: root}
	}
	h, err := digest.ArtifactRoot(dfiles)
	if err != nil {
		return "", fieldErr("files", "%v", err)
	}
	return h.Hex(), nil
}

func validateParents(p Params, self string, parents []ParentRef) error {
	if uint64(len(parents)) > uint64(p.MaxParents) {
		return fieldErr("parents", "has %d entries, the maximum is %d", len(parents), p.MaxParents)
	}
	seen := make(map[string]int, len(parents))
	for i, pr := range parents {
		field := fmt.Sprintf("parents[%d]", i)
		if err := ValidateDigest(field+".model", pr.Model); err != nil {
			return err
		}
		if pr.Model == self {
			return fieldErr(field+".model", "a model cannot be its own parent")
		}
		if j, dup := seen[pr.Model]; dup {
			return errorsmod.Wrapf(ErrDuplicate, "%s.model: %s is also parents[%d].model", field, pr.Model, j)
		}
		seen[pr.Model] = i
		if pr.Relation == ParentRelation_PARENT_RELATION_UNSPECIFIED {
			return fieldErr(field+".relation", "must be specified (finetune, quantized, distilled, merge or adapter)")
		}
		if _, ok := ParentRelation_name[int32(pr.Relation)]; !ok {
			return fieldErr(field+".relation", "unknown value %d", int32(pr.Relation))
		}
	}
	return nil
}

func validateDatasetRefs(p Params, datasets []DatasetRef) error {
	if uint64(len(datasets)) > uint64(p.MaxDatasets) {
		return fieldErr("datasets", "has %d entries, the maximum is %d", len(datasets), p.MaxDatasets)
	}
	seen := make(map[string]int, len(datasets))
	for i, d := range datasets {
		field := fmt.Sprintf("datasets[%d]", i)
		if err := ValidateDigest(field+".dataset", d.Dataset); err != nil {
			return err
		}
		if j, dup := seen[d.Dataset]; dup {
			return errorsmod.Wrapf(ErrDuplicate, "%s.dataset: %s is also datasets[%d].dataset", field, d.Dataset, j)
		}
		seen[d.Dataset] = i
		if d.Role == DatasetRole_DATASET_ROLE_UNSPECIFIED {
			return fieldErr(field+".role", "must be specified (pretrain, finetune, eval or rlhf)")
		}
		if _, ok := DatasetRole_name[int32(d.Role)]; !ok {
			return fieldErr(field+".role", "unknown value %d", int32(d.Role))
		}
	}
	return nil
}

func validateSources(p Params, self string, sources []string) error {
	if uint64(len(sources)) > uint64(p.MaxSources) {
		return fieldErr("sources", "has %d entries, the maximum is %d", len(sources), p.MaxSources)
	}
	seen := make(map[string]int, len(sources))
	for i, s := range sources {
		field := fmt.Sprintf("sources[%d]", i)
		if err := ValidateDigest(field, s); err != nil {
			return err
		}
		if s == self {
			return fieldErr(field, "a dataset cannot be its own source")
		}
		if j, dup := seen[s]; dup {
			return errorsmod.Wrapf(ErrDuplicate, "%s: %s is also sources[%d]", field, s, j)
		}
		seen[s] = i
	}
	return nil
}

// validateModelFields checks the fields a Model shares with MsgRegisterModel and returns the total size.
func validateModelFields(p Params, contentRoot, name, version, format string, files []ArtifactFile,
	parents []ParentRef, datasets []DatasetRef, recipeHash, license, cardURI, cardHash string,
) (uint64, error) {
	if err := ValidateDigest("content_root", contentRoot); err != nil {
		return 0, err
	}
	if err := validateToken("name", name, p.MaxFieldLength, true); err != nil {
		return 0, err
	}
	if err := validateToken("version", version, p.MaxFieldLength, true); err != nil {
		return 0, err
	}
	if err := validateToken("format", format, p.MaxFieldLength, false); err != nil {
		return 0, err
	}
	if err := validateParents(p, contentRoot, parents); err != nil {
		return 0, err
	}
	if err := validateDatasetRefs(p, datasets); err != nil {
		return 0, err
	}
	if err := validateOptionalDigest("recipe_hash", recipeHash); err != nil {
		return 0, err
	}
	if err := validateText("license", license, p.MaxFieldLength); err != nil {
		return 0, err
	}
	if err := validateURI("card_uri", cardURI, p.MaxUriLength); err != nil {
		return 0, err
	}
	if err := validateOptionalDigest("card_hash", cardHash); err != nil {
		return 0, err
	}
	return ValidateFiles(p, contentRoot, files)
}

func validateDatasetFields(p Params, contentRoot, name, version string, files []ArtifactFile, license string,
	sources []string, uri string,
) (uint64, error) {
	if err := ValidateDigest("content_root", contentRoot); err != nil {
		return 0, err
	}
	if err := validateToken("name", name, p.MaxFieldLength, true); err != nil {
		return 0, err
	}
	if err := validateToken("version", version, p.MaxFieldLength, true); err != nil {
		return 0, err
	}
	if err := validateText("license", license, p.MaxFieldLength); err != nil {
		return 0, err
	}
	if err := validateSources(p, contentRoot, sources); err != nil {
		return 0, err
	}
	if err := validateURI("uri", uri, p.MaxUriLength); err != nil {
		return 0, err
	}
	return ValidateFiles(p, contentRoot, files)
}

var scoreRe = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?$`)

// ValidateScore checks an optional decimal score such as "0.873", "12" or "-1.5" (no exponent, no leading
// zeros, no '+').
func ValidateScore(field, s string) error {
	if s == "" {
		return nil
	}
	if len(s) > MaxScoreLength {
		return fieldErr(field, "is %d bytes, the maximum is %d", len(s), MaxScoreLength)
	}
	if !scoreRe.MatchString(s) {
		return fieldErr(field, "must be a decimal number such as \"0.873\", got %s", show(s))
	}
	return nil
}

func validateAttestationFields(p Params, subject, predicate, methodHash, resultHash, uri, score string, expires int64) error {
	if err := ValidateDigest("subject", subject); err != nil {
		return err
	}
	if err := validateToken("predicate", predicate, p.MaxFieldLength, false); err != nil {
		return err
	}
	if err := validateOptionalDigest("method_hash", methodHash); err != nil {
		return err
	}
	if err := validateOptionalDigest("result_hash", resultHash); err != nil {
		return err
	}
	if err := validateURI("uri", uri, p.MaxUriLength); err != nil {
		return err
	}
	if err := ValidateScore("score", score); err != nil {
		return err
	}
	if expires < 0 {
		return errorsmod.Wrapf(ErrInvalidExpiry, "expires_height: must be 0 (never) or a future height, got %d", expires)
	}
	return nil
}

// ---- messages ----

// Validate checks the message against params p, including that content_root matches the files.
func (m *MsgRegisterModel) Validate(p Params) error {
	if m == nil {
		return fieldErr("msg", "must not be nil")
	}
	if err := validateAddressField("publisher", m.Publisher); err != nil {
		return err
	}
	_, err := validateModelFields(p, m.ContentRoot, m.Name, m.Version, m.Format, m.Files, m.Parents, m.Datasets,
		m.RecipeHash, m.License, m.CardUri, m.CardHash)
	return err
}

// ValidateBasic runs Validate against the ceiling params (state-independent).
func (m *MsgRegisterModel) ValidateBasic() error { return m.Validate(CeilingParams()) }

// Validate checks the message against params p, including that content_root matches the files.
func (m *MsgRegisterDataset) Validate(p Params) error {
	if m == nil {
		return fieldErr("msg", "must not be nil")
	}
	if err := validateAddressField("publisher", m.Publisher); err != nil {
		return err
	}
	_, err := validateDatasetFields(p, m.ContentRoot, m.Name, m.Version, m.Files, m.License, m.Sources, m.Uri)
	return err
}

// ValidateBasic runs Validate against the ceiling params (state-independent).
func (m *MsgRegisterDataset) ValidateBasic() error { return m.Validate(CeilingParams()) }

// Validate checks the message against params p.
func (m *MsgAttest) Validate(p Params) error {
	if m == nil {
		return fieldErr("msg", "must not be nil")
	}
	if err := validateAddressField("attester", m.Attester); err != nil {
		return err
	}
	return validateAttestationFields(p, m.Subject, m.Predicate, m.MethodHash, m.ResultHash, m.Uri, m.Score, m.ExpiresHeight)
}

// ValidateBasic runs Validate against the ceiling params (state-independent).
func (m *MsgAttest) ValidateBasic() error { return m.Validate(CeilingParams()) }

// Validate checks the message.
func (m *MsgRevokeAttestation) Validate(_ Params) error {
	if m == nil {
		return fieldErr("msg", "must not be nil")
	}
	if err := validateAddressField("attester", m.Attester); err != nil {
		return err
	}
	if m.Id < FirstAttestationID {
		return fieldErr("id", "must be at least %d", FirstAttestationID)
	}
	return nil
}

// ValidateBasic runs Validate (state-independent).
func (m *MsgRevokeAttestation) ValidateBasic() error { return m.Validate(CeilingParams()) }

// Validate checks the message against params p.
func (m *MsgUpdateModelStatus) Validate(p Params) error {
	if m == nil {
		return fieldErr("msg", "must not be nil")
	}
	if err := validateAddressField("publisher", m.Publisher); err != nil {
		return err
	}
	if err := ValidateDigest("content_root", m.ContentRoot); err != nil {
		return err
	}
	switch m.Status {
	case ModelStatus_MODEL_STATUS_ACTIVE, ModelStatus_MODEL_STATUS_DEPRECATED, ModelStatus_MODEL_STATUS_REVOKED:
	case ModelStatus_MODEL_STATUS_UNSPECIFIED:
		return fieldErr("status", "must be specified (active, deprecated or revoked)")
	case ModelStatus_MODEL_STATUS_PENDING:
		// only x/training holds a model pending (its trained child, until the training audit settles)
		return fieldErr("status", "pending is set by x/training for a child awaiting its training audit, not by a publisher")
	default:
		return fieldErr("status", "unknown value %d", int32(m.Status))
	}
	if err := validateOptionalDigest("superseded_by", m.SupersededBy); err != nil {
		return err
	}
	if m.SupersededBy != "" && m.SupersededBy == m.ContentRoot {
		return fieldErr("superseded_by", "a model cannot supersede itself")
	}
	if m.SupersededBy != "" && m.Status == ModelStatus_MODEL_STATUS_ACTIVE {
		return fieldErr("superseded_by", "must be empty when the status is active")
	}
	return validateText("reason", m.Reason, p.MaxUriLength)
}

// ValidateBasic runs Validate against the ceiling params (state-independent).
func (m *MsgUpdateModelStatus) ValidateBasic() error { return m.Validate(CeilingParams()) }

// Validate checks the message (the authority itself is checked by the keeper).
func (m *MsgUpdateParams) Validate(_ Params) error {
	if m == nil {
		return fieldErr("msg", "must not be nil")
	}
	if err := validateAddressField("authority", m.Authority); err != nil {
		return err
	}
	return m.Params.Validate()
}

// ValidateBasic runs Validate (state-independent).
func (m *MsgUpdateParams) ValidateBasic() error { return m.Validate(CeilingParams()) }

// ---- stored objects ----

// Validate checks a stored model (genesis): the message checks plus total_bytes, status and heights.
func (m Model) Validate(p Params) error {
	if err := validateAddressField("publisher", m.Publisher); err != nil {
		return err
	}
	total, err := validateModelFields(p, m.ContentRoot, m.Name, m.Version, m.Format, m.Files, m.Parents, m.Datasets,
		m.RecipeHash, m.License, m.CardUri, m.CardHash)
	if err != nil {
		return err
	}
	if total != m.TotalBytes {
		return fieldErr("total_bytes", "is %d, the files add up to %d", m.TotalBytes, total)
	}
	if _, ok := ModelStatus_name[int32(m.Status)]; !ok || m.Status == ModelStatus_MODEL_STATUS_UNSPECIFIED {
		return fieldErr("status", "must be active, deprecated, revoked or pending, got %d", int32(m.Status))
	}
	if err := validateOptionalDigest("superseded_by", m.SupersededBy); err != nil {
		return err
	}
	if m.SupersededBy == m.ContentRoot {
		return fieldErr("superseded_by", "a model cannot supersede itself")
	}
	if err := validateText("status_reason", m.StatusReason, p.MaxUriLength); err != nil {
		return err
	}
	if m.CreatedHeight < 0 {
		return fieldErr("created_height", "must not be negative")
	}
	if m.StatusHeight < 0 {
		return fieldErr("status_height", "must not be negative")
	}
	return nil
}

// Validate checks a stored dataset (genesis).
func (d Dataset) Validate(p Params) error {
	if err := validateAddressField("publisher", d.Publisher); err != nil {
		return err
	}
	total, err := validateDatasetFields(p, d.ContentRoot, d.Name, d.Version, d.Files, d.License, d.Sources, d.Uri)
	if err != nil {
		return err
	}
	if total != d.TotalBytes {
		return fieldErr("total_bytes", "is %d, the files add up to %d", d.TotalBytes, total)
	}
	if d.CreatedHeight < 0 {
		return fieldErr("created_height", "must not be negative")
	}
	return nil
}

// Validate checks a stored attestation (genesis); references are checked by GenesisState.Validate.
func (a Attestation) Validate(p Params) error {
	if a.Id < FirstAttestationID {
		return fieldErr("id", "must be at least %d", FirstAttestationID)
	}
	if err := validateAddressField("attester", a.Attester); err != nil {
		return err
	}
	if a.SubjectKind != SubjectKind_SUBJECT_KIND_MODEL && a.SubjectKind != SubjectKind_SUBJECT_KIND_DATASET {
		return fieldErr("subject_kind", "must be model or dataset")
	}
	if err := validateAttestationFields(p, a.Subject, a.Predicate, a.MethodHash, a.ResultHash, a.Uri, a.Score, a.ExpiresHeight); err != nil {
		return err
	}
	if a.IssuedHeight < 0 {
		return fieldErr("issued_height", "must not be negative")
	}
	if a.RevokedHeight < 0 {
		return fieldErr("revoked_height", "must not be negative")
	}
	if !a.Revoked && a.RevokedHeight != 0 {
		return fieldErr("revoked_height", "must be 0 when not revoked")
	}
	return nil
}
