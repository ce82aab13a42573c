package types

import (
	"fmt"
	"strings"
	"unicode/utf8"

	errorsmod "cosmossdk.io/errors"

	"github.com/inferchain/inferchain/chain/digest"
	"github.com/inferchain/inferchain/chain/internal/fields"
)

// Stateless validation of every inference message.
//
// Messages with limits taken from the params have Validate(Params), which the msg server calls with the
// current params before touching state; ValidateBasic runs the same checks against CeilingParams (the largest
// limits governance may set) in CheckTx. Every error names the offending field first, e.g.
//
//	prompt: is 20000 bytes, the maximum is 16384: invalid field

// MaxModelsPerExecutor bounds the models one executor may serve.
const MaxModelsPerExecutor = 64

// MaxEndpointLength bounds an executor's endpoint URL.
const MaxEndpointLength = 512

// maxAddressLength bounds address fields before they are decoded.
const maxAddressLength = 255

func show(s string) string { return fields.Show(s) }

// FieldErr returns an ErrInvalidField error naming the field.
func FieldErr(field, format string, args ...any) error {
	return fields.Err(ErrInvalidField, field, format, args...)
}

// ValidateAddressField checks that an address field is present and not absurdly long; decoding it is the
// keeper's job (it holds the address codecs).
func ValidateAddressField(field, s string) error {
	if strings.TrimSpace(s) == "" {
		return errorsmod.Wrapf(ErrInvalidAddress, "%s: must not be empty", field)
	}
	if len(s) > maxAddressLength {
		return errorsmod.Wrapf(ErrInvalidAddress, "%s: is %d bytes, too long for an address", field, len(s))
	}
	return nil
}

// ValidateModelRef checks a model reference: the content root of a registry model (64 lowercase hex).
func ValidateModelRef(field, s string) error {
	if !digest.IsHexDigest(s) {
		return FieldErr(field, "must be a model content root (64 lowercase hex characters), got %s", show(s))
	}
	return nil
}

// ValidateModelList checks an executor's model list: 1..MaxModelsPerExecutor content roots, no duplicates.
func ValidateModelList(models []string) error {
	if len(models) == 0 {
		return FieldErr("models", "must list at least one model")
	}
	if len(models) > MaxModelsPerExecutor {
		return FieldErr("models", "has %d entries, the maximum is %d", len(models), MaxModelsPerExecutor)
	}
	seen := make(map[string]int, len(models))
	for i, m := range models {
		field := fmt.Sprintf("models[%d]", i)
		if err := ValidateModelRef(field, m); err != nil {
			return err
		}
		if j, dup := seen[m]; dup {
			return errorsmod.Wrapf(ErrDuplicate, "%s: %s is also models[%d]", field, m, j)
		}
		seen[m] = i
	}
	return nil
}

// ValidateEndpoint checks an optional endpoint URL: at most MaxEndpointLength bytes, no whitespace or
// control characters.
func ValidateEndpoint(s string) error {
	if len(s) > MaxEndpointLength {
		return FieldErr("endpoint", "is %d bytes, the maximum is %d", len(s), MaxEndpointLength)
	}
	if !utf8.ValidString(s) {
		return FieldErr("endpoint", "must be valid UTF-8")
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return FieldErr("endpoint", "must not contain whitespace or control characters, got %s", show(s))
		}
	}
	return nil
}

// ValidateBasic checks the message without state.
func (m *MsgRegisterExecutor) ValidateBasic() error {
	if err := ValidateAddressField("operator", m.Operator); err != nil {
		return err
	}
	if err := ValidateAddressField("sidecar", m.Sidecar); err != nil {
		return err
	}
	if err := ValidateModelList(m.Models); err != nil {
		return err
	}
	return ValidateEndpoint(m.Endpoint)
}

// ValidateBasic checks the message without state. Empty sidecar, models and endpoint keep the current values.
func (m *MsgUpdateExecutor) ValidateBasic() error {
	if err := ValidateAddressField("operator", m.Operator); err != nil {
		return err
	}
	if m.Sidecar != "" {
		if err := ValidateAddressField("sidecar", m.Sidecar); err != nil {
			return err
		}
	}
	if len(m.Models) > 0 {
		if err := ValidateModelList(m.Models); err != nil {
			return err
		}
	}
	return ValidateEndpoint(m.Endpoint)
}

// Validate checks the request against the params (all but the fee, which Keeper checks with the min fee).
func (m *MsgRequestInference) Validate(p Params) error {
	if err := ValidateAddressField("requester", m.Requester); err != nil {
		return err
	}
	if err := ValidateModelRef("model", m.Model); err != nil {
		return err
	}
	if m.Prompt == "" {
		return FieldErr("prompt", "must not be empty")
	}
	if uint64(len(m.Prompt)) > uint64(p.MaxPromptBytes) {
		return FieldErr("prompt", "is %d bytes, the maximum is %d", len(m.Prompt), p.MaxPromptBytes)
	}
	if !utf8.ValidString(m.Prompt) {
		return FieldErr("prompt", "must be valid UTF-8")
	}
	if m.MaxTokens == 0 || m.MaxTokens > p.MaxTokensLimit {
		return FieldErr("max_tokens", "must be between 1 and %d, got %d", p.MaxTokensLimit, m.MaxTokens)
	}
	if m.TemperatureMilli > MaxTemperatureMilli {
		return FieldErr("temperature_milli", "must be at most %d (temperature %d.%03d), got %d", MaxTemperatureMilli, MaxTemperatureMilli/1000, MaxTemperatureMilli%1000, m.TemperatureMilli)
	}
	if m.TopK > MaxTopK {
		return FieldErr("top_k", "must be at most %d (0 = no top-k), got %d", MaxTopK, m.TopK)
	}
	if err := m.MaxFee.Validate(); err != nil {
		return FieldErr("max_fee", "%v", err)
	}
	if m.MaxFee.Denom != p.BaseFee.Denom {
		return FieldErr("max_fee", "denom must be %s, got %s", p.BaseFee.Denom, show(m.MaxFee.Denom))
	}
	if minFee := p.MinFee(m.MaxTokens); m.MaxFee.Amount.LT(minFee.Amount) {
		return errorsmod.Wrapf(ErrInsufficientFee, "max_fee: %s is below the minimum %s for max_tokens=%d", m.MaxFee, minFee, m.MaxTokens)
	}
	return nil
}

// ValidateBasic checks the request against the ceilings (the fee against the fee is checked by Validate only).
func (m *MsgRequestInference) ValidateBasic() error {
	if err := ValidateAddressField("requester", m.Requester); err != nil {
		return err
	}
	if err := ValidateModelRef("model", m.Model); err != nil {
		return err
	}
	if m.Prompt == "" {
		return FieldErr("prompt", "must not be empty")
	}
	if uint64(len(m.Prompt)) > uint64(CeilingMaxPromptBytes) {
		return FieldErr("prompt", "is %d bytes, the maximum is %d", len(m.Prompt), CeilingMaxPromptBytes)
	}
	if m.MaxTokens == 0 {
		return FieldErr("max_tokens", "must be at least 1")
	}
	if m.TemperatureMilli > MaxTemperatureMilli {
		return FieldErr("temperature_milli", "must be at most %d, got %d", MaxTemperatureMilli, m.TemperatureMilli)
	}
	if m.TopK > MaxTopK {
		return FieldErr("top_k", "must be at most %d, got %d", MaxTopK, m.TopK)
	}
	if err := m.MaxFee.Validate(); err != nil {
		return FieldErr("max_fee", "%v", err)
	}
	return nil
}

// ValidateResult checks a result's fields against the job's max_tokens and the params.
func ValidateResult(p Params, maxTokens uint32, tokenIDs []uint32, text, commitment, finishReason string) error {
	if uint64(len(tokenIDs)) > uint64(maxTokens) {
		return FieldErr("output_token_ids", "has %d tokens, the job's max_tokens is %d", len(tokenIDs), maxTokens)
	}
	if uint64(len(text)) > uint64(p.MaxOutputTextBytes) {
		return FieldErr("output_text", "is %d bytes, the maximum is %d", len(text), p.MaxOutputTextBytes)
	}
	if !utf8.ValidString(text) {
		return FieldErr("output_text", "must be valid UTF-8")
	}
	// text is bounded by the tokens it decodes from: an executor cannot pad a short (cheap) answer with
	// megabytes of state
	if limit := uint64(p.MaxOutputBytesPerToken) * uint64(len(tokenIDs)); uint64(len(text)) > limit {
		return FieldErr("output_text", "is %d bytes for %d output tokens, the maximum is %d bytes per token (%d)", len(text), len(tokenIDs), p.MaxOutputBytesPerToken, limit)
	}
	if !digest.IsHexDigest(commitment) {
		return FieldErr("commitment", "must be 64 lowercase hex characters (a SHA-256 Merkle root), got %s", show(commitment))
	}
	switch finishReason {
	case FinishReasonEOS, FinishReasonLength:
	default:
		return FieldErr("finish_reason", "must be %q or %q, got %s", FinishReasonEOS, FinishReasonLength, show(finishReason))
	}
	return nil
}

// ValidateRuntime bounds the free-text fields of a runtime profile.
func ValidateRuntime(r RuntimeProfile) error {
	for _, f := range []struct{ name, val string }{
		{"runtime.execution_provider", r.ExecutionProvider},
		{"runtime.engine", r.Engine},
	} {
		if len(f.val) > 128 {
			return FieldErr(f.name, "is %d bytes, the maximum is 128", len(f.val))
		}
		if !utf8.ValidString(f.val) {
			return FieldErr(f.name, "must be valid UTF-8")
		}
	}
	return nil
}

// ValidateBasic checks the result without state (max_tokens against the ceiling; the keeper checks the job's).
func (m *MsgSubmitResult) ValidateBasic() error {
	if err := ValidateAddressField("sidecar", m.Sidecar); err != nil {
		return err
	}
	if m.JobId == 0 {
		return FieldErr("job_id", "must be positive")
	}
	ceil := Params{MaxOutputTextBytes: CeilingMaxOutputTextBytes, MaxOutputBytesPerToken: CeilingBytesPerToken}
	if err := ValidateResult(ceil, CeilingMaxTokensLimit, m.OutputTokenIds, m.OutputText, m.Commitment, m.FinishReason); err != nil {
		return err
	}
	return ValidateRuntime(m.Runtime)
}

// MaxRejectReasonBytes bounds MsgRejectJob.reason.
const MaxRejectReasonBytes = 512

// maxRejectCodeLength bounds the machine code that starts a rejection reason.
const maxRejectCodeLength = 64

// ValidateRejectReason checks a rejection reason: 1..MaxRejectReasonBytes bytes of UTF-8 without control
// characters, starting with a stable machine code (lowercase letters, digits and '_', starting with a letter,
// at most 64 bytes), alone or followed by ": " and a human explanation, e.g.
//
//	prompt_too_long: prompt is 2100 tokens; the model's context is 2048 with max_tokens 64
func ValidateRejectReason(s string) error {
	if strings.TrimSpace(s) == "" {
		return FieldErr("reason", "must not be empty (give a machine code first, e.g. \"prompt_too_long: ...\")")
	}
	if len(s) > MaxRejectReasonBytes {
		return FieldErr("reason", "is %d bytes, the maximum is %d", len(s), MaxRejectReasonBytes)
	}
	if !utf8.ValidString(s) {
		return FieldErr("reason", "must be valid UTF-8")
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			return FieldErr("reason", "must not contain control characters (newlines, tabs), got %s", show(s))
		}
	}
	code, detail, hasDetail := strings.Cut(s, ":")
	if !isRejectCode(code) || (hasDetail && !strings.HasPrefix(detail, " ")) {
		return FieldErr("reason", "must start with a machine code (lowercase snake_case, at most %d bytes) alone or followed by \": \" and an explanation, e.g. \"prompt_too_long: ...\", got %s", maxRejectCodeLength, show(s))
	}
	return nil
}

func isRejectCode(c string) bool {
	if c == "" || len(c) > maxRejectCodeLength || c[0] < 'a' || c[0] > 'z' {
		return false
	}
	for i := 0; i < len(c); i++ {
		b := c[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '_') {
			return false
		}
	}
	return true
}

// RejectedStatusReason is the status_reason of a job refunded because its executor rejected it.
func RejectedStatusReason(executor, reason string) string {
	return fmt.Sprintf("rejected by executor %s: %s", executor, reason)
}

// ValidateBasic checks the rejection without state.
func (m *MsgRejectJob) ValidateBasic() error {
	if err := ValidateAddressField("sidecar", m.Sidecar); err != nil {
		return err
	}
	if m.JobId == 0 {
		return FieldErr("job_id", "must be positive")
	}
	return ValidateRejectReason(m.Reason)
}

// ValidateBasic checks the authority field and the params.
func (m *MsgUpdateParams) ValidateBasic() error {
	if err := ValidateAddressField("authority", m.Authority); err != nil {
		return err
	}
	return m.Params.Validate()
}

// ValidateBasic checks the fields without state.
func (m *MsgClearTombstone) ValidateBasic() error {
	if err := ValidateAddressField("authority", m.Authority); err != nil {
		return err
	}
	if err := ValidateAddressField("validator", m.Validator); err != nil {
		return err
	}
	return ValidateModelRef("model", m.Model)
}

// MaxVerdictReasonBytes bounds MsgRevealVerdict.reason.
const MaxVerdictReasonBytes = 512

// ValidateCommitHash checks a verdict commitment: 64 lowercase hex characters (see VerdictCommitHash).
func ValidateCommitHash(s string) error {
	if !digest.IsHexDigest(s) {
		return FieldErr("commit_hash", "must be 64 lowercase hex characters (sha256, see VerdictCommitHash), got %s", show(s))
	}
	return nil
}

// ValidateVerdict checks a revealed verdict: VALID or FRAUD.
func ValidateVerdict(v Verdict) error {
	switch v {
	case Verdict_VERDICT_VALID, Verdict_VERDICT_FRAUD, Verdict_VERDICT_ABSTAIN:
		return nil
	}
	return FieldErr("verdict", "must be %s, %s or %s, got %s", Verdict_VERDICT_VALID, Verdict_VERDICT_FRAUD, Verdict_VERDICT_ABSTAIN, v)
}

// ValidateVerdictReason checks a verdict's reason: optional, at most MaxVerdictReasonBytes bytes of UTF-8.
func ValidateVerdictReason(s string) error {
	if len(s) > MaxVerdictReasonBytes {
		return FieldErr("reason", "is %d bytes, the maximum is %d", len(s), MaxVerdictReasonBytes)
	}
	if !utf8.ValidString(s) {
		return FieldErr("reason", "must be valid UTF-8")
	}
	return nil
}

// ValidateBasic checks the commitment without state.
func (m *MsgCommitVerdict) ValidateBasic() error {
	if err := ValidateAddressField("sidecar", m.Sidecar); err != nil {
		return err
	}
	if m.JobId == 0 {
		return FieldErr("job_id", "must be positive")
	}
	return ValidateCommitHash(m.CommitHash)
}

// ValidateBasic checks the reveal without state (whether the salt opens the commitment needs the state).
func (m *MsgRevealVerdict) ValidateBasic() error {
	if err := ValidateAddressField("sidecar", m.Sidecar); err != nil {
		return err
	}
	if m.JobId == 0 {
		return FieldErr("job_id", "must be positive")
	}
	if err := ValidateVerdict(m.Verdict); err != nil {
		return err
	}
	if _, err := ParseSalt(m.Salt); err != nil {
		return err
	}
	return ValidateVerdictReason(m.Reason)
}
