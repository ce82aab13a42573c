package types

import (
	"fmt"
	"regexp"
	"strings"

	errorsmod "cosmossdk.io/errors"

	registrytypes "github.com/inferchain/inferchain/chain/x/registry/types"
)

// decimalRe: a plain positive decimal, no sign, no exponent: the recipe hashes the exact string.
var decimalRe = regexp.MustCompile(`^(0|[1-9][0-9]{0,8})(\.[0-9]{1,18})?$`)

func fieldErr(field, format string, args ...any) error {
	return errorsmod.Wrapf(ErrInvalidField, "%s: %s", field, fmt.Sprintf(format, args...))
}

// ValidateDecimal checks a non-negative decimal string; positive additionally refuses zero.
func ValidateDecimal(field, s string, positive bool) error {
	if !decimalRe.MatchString(s) {
		return fieldErr(field, "%q is not a decimal like 0.001", s)
	}
	if positive && regexp.MustCompile(`^0(\.0*)?$`).MatchString(s) {
		return fieldErr(field, "must be > 0")
	}
	return nil
}

// ValidateHyperParams checks the hyper-parameters against the params.
func ValidateHyperParams(p Params, h HyperParams) error {
	if err := ValidateDecimal("hyper_params.learning_rate", h.LearningRate, true); err != nil {
		return err
	}
	if h.Steps == 0 || h.Steps > p.MaxSteps {
		return fieldErr("hyper_params.steps", "%d must be in [1, %d]", h.Steps, p.MaxSteps)
	}
	if h.BatchSize == 0 || h.BatchSize > p.MaxBatchSize {
		return fieldErr("hyper_params.batch_size", "%d must be in [1, %d]", h.BatchSize, p.MaxBatchSize)
	}
	if h.SeqLen < 2 || h.SeqLen > p.MaxSeqLen {
		return fieldErr("hyper_params.seq_len", "%d must be in [2, %d]", h.SeqLen, p.MaxSeqLen)
	}
	if h.CheckpointInterval == 0 || h.Steps%h.CheckpointInterval != 0 {
		return fieldErr("hyper_params.checkpoint_interval", "%d must be >= 1 and divide steps %d", h.CheckpointInterval, h.Steps)
	}
	return nil
}

// ValidateRequestFields checks the stateless fields of a training request (also used for genesis jobs).
func ValidateRequestFields(p Params, base string, datasets []string, method TrainingMethod, h HyperParams, childName, childVersion string) error {
	if err := registrytypes.ValidateDigest("base_model", base); err != nil {
		return err
	}
	if len(datasets) == 0 || len(datasets) > int(p.MaxDatasets) {
		return fieldErr("datasets", "%d datasets, need 1 to %d", len(datasets), p.MaxDatasets)
	}
	seen := map[string]bool{}
	for i, d := range datasets {
		if err := registrytypes.ValidateDigest(fmt.Sprintf("datasets[%d]", i), d); err != nil {
			return err
		}
		if seen[d] {
			return fieldErr(fmt.Sprintf("datasets[%d]", i), "duplicate dataset %s", d)
		}
		seen[d] = true
	}
	switch method {
	case TrainingMethod_TRAINING_METHOD_FULL, TrainingMethod_TRAINING_METHOD_LORA, TrainingMethod_TRAINING_METHOD_PRETRAIN:
	default:
		return fieldErr("method", "must be full, lora or pretrain (got %s)", method)
	}
	if childName == "" || childVersion == "" {
		return fieldErr("child_name", "child_name and child_version are required (the child's registry name)")
	}
	if err := ValidateHyperParams(p, h); err != nil {
		return err
	}
	return ValidateLoraParams(p, method, h)
}

// LoraTargetOrder is the canonical order of the projections LoRA may adapt (lora_targets lists a subset in it).
var LoraTargetOrder = []string{"q", "k", "v", "o"}

// ValidateLoraParams checks the lora_* hyper-parameters: required (rank in [1, max_lora_rank], alpha > 0, targets
// a non-empty subset of q,k,v,o in canonical order, no repeats) for LORA, absent for FULL and PRETRAIN (which
// train every weight: an adapter setting would be silently ignored, and two recipe texts would name one run).
// Canonical order and absence keep one recipe text (and hash) per run: two spellings of the same run cannot coexist.
func ValidateLoraParams(p Params, method TrainingMethod, h HyperParams) error {
	if method != TrainingMethod_TRAINING_METHOD_LORA {
		if h.LoraRank != 0 || h.LoraAlpha != "" || h.LoraTargets != "" {
			return fieldErr("hyper_params.lora_rank", "lora_rank, lora_alpha and lora_targets are for method lora only (method %s trains every weight; drop them)", MethodName(method))
		}
		return nil
	}
	if h.LoraRank == 0 || h.LoraRank > p.MaxLoraRank {
		return fieldErr("hyper_params.lora_rank", "%d must be in [1, %d]", h.LoraRank, p.MaxLoraRank)
	}
	if err := ValidateDecimal("hyper_params.lora_alpha", h.LoraAlpha, true); err != nil {
		return err
	}
	next := 0
	for _, t := range strings.Split(h.LoraTargets, ",") {
		i := next
		for i < len(LoraTargetOrder) && LoraTargetOrder[i] != t {
			i++
		}
		if i == len(LoraTargetOrder) {
			return fieldErr("hyper_params.lora_targets", "%q must list projections from q,k,v,o once each, in that order (e.g. \"q,v\")", h.LoraTargets)
		}
		next = i + 1
	}
	return nil
}

// Validate checks the request against the params (registry name rules are checked when the child is registered).
func (m *MsgRequestTraining) Validate(p Params) error {
	if err := ValidateRequestFields(p, m.BaseModel, m.Datasets, m.Method, m.HyperParams, m.ChildName, m.ChildVersion); err != nil {
		return err
	}
	if !m.MaxFee.IsValid() || !m.MaxFee.IsPositive() {
		return fieldErr("max_fee", "%s must be a positive coin", m.MaxFee)
	}
	return nil
}

// ValidateBasic checks the request against the ceiling params.
func (m *MsgRequestTraining) ValidateBasic() error { return m.Validate(CeilingParams()) }

// ValidateBasic checks the result's stateless fields (the files against the root are checked by x/registry).
func (m *MsgSubmitTrainingResult) ValidateBasic() error {
	if m.JobId == 0 {
		return fieldErr("job_id", "must be >= 1")
	}
	if err := registrytypes.ValidateDigest("child_content_root", m.ChildContentRoot); err != nil {
		return err
	}
	if err := registrytypes.ValidateDigest("checkpoint_root", m.CheckpointRoot); err != nil {
		return err
	}
	if len(m.Files) == 0 {
		return fieldErr("files", "the child model's files are required")
	}
	if root, err := registrytypes.ComputeContentRoot(m.Files); err != nil {
		return err
	} else if root != m.ChildContentRoot {
		return fieldErr("child_content_root", "%s is not the root of the listed files (%s)", m.ChildContentRoot, root)
	}
	if err := ValidateDecimal("final_loss", m.FinalLoss, false); err != nil {
		return err
	}
	return ValidateDecimal("initial_loss", m.InitialLoss, false)
}

// ValidateBasic checks the new params.
func (m *MsgUpdateParams) ValidateBasic() error { return m.Params.Validate() }
