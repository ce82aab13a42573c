package types

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// RecipeDomain is the first line of every canonical recipe (bump it when the encoding changes).
const RecipeDomain = "inferchain/training/recipe/v1"

// CanonicalRecipe is the exact text whose SHA-256 is the child model's recipe_hash: one "key=value" line per
// field, in this order, each ending in "\n", integers in decimal, the learning rate as the request's decimal
// string, datasets in request order (the order is part of the data order):
//
//	inferchain/training/recipe/v1
//	base_model=<hex root>
//	datasets=<hex root>,<hex root>
//	method=full
//	learning_rate=0.001
//	steps=100
//	batch_size=8
//	seq_len=256
//	seed=42
//	checkpoint_interval=10
//
// LORA recipes append the adapter's hyper-parameters (FULL recipes are unchanged):
//
//	lora_rank=8
//	lora_alpha=16
//	lora_targets=q,v
//
// PRETRAIN recipes name the base model architecture=<hex root> instead of base_model=<hex root> (it supplies the
// graph and tokenizer, none of the weights) and append the init rule, so that the hash commits to how the
// weights were initialised (a different rule needs a new PretrainInitRule, and so a new hash):
//
//	init=inferchain/training/pretrain-init/v1
//
// Anyone can recompute it from the job (or the child's registry entry plus this text) without a protobuf library.
func CanonicalRecipe(base string, datasets []string, method TrainingMethod, h HyperParams) string {
	var b strings.Builder
	line := func(k, v string) { fmt.Fprintf(&b, "%s=%s\n", k, v) }
	b.WriteString(RecipeDomain + "\n")
	if method == TrainingMethod_TRAINING_METHOD_PRETRAIN {
		line("architecture", base)
	} else {
		line("base_model", base)
	}
	line("datasets", strings.Join(datasets, ","))
	line("method", MethodName(method))
	line("learning_rate", h.LearningRate)
	line("steps", fmt.Sprint(h.Steps))
	line("batch_size", fmt.Sprint(h.BatchSize))
	line("seq_len", fmt.Sprint(h.SeqLen))
	line("seed", fmt.Sprint(h.Seed))
	line("checkpoint_interval", fmt.Sprint(h.CheckpointInterval))
	if method == TrainingMethod_TRAINING_METHOD_LORA {
		line("lora_rank", fmt.Sprint(h.LoraRank))
		line("lora_alpha", h.LoraAlpha)
		line("lora_targets", h.LoraTargets)
	}
	if method == TrainingMethod_TRAINING_METHOD_PRETRAIN {
		line("init", PretrainInitRule)
	}
	return b.String()
}

// PretrainInitRule names the seeded initialisation of a PRETRAIN job's weights (node/trainer/trainer.py
// pretrain_init: SHA-256 counter stream under this domain, approximately normal(0, 0.02) for matrices, 1 for norm
// scales). It is the trainer's PRNG domain, so the recipe line and the weights change together.
const PretrainInitRule = "inferchain/training/pretrain-init/v1"

// RecipeHash is the hex SHA-256 of CanonicalRecipe.
func RecipeHash(base string, datasets []string, method TrainingMethod, h HyperParams) string {
	sum := sha256.Sum256([]byte(CanonicalRecipe(base, datasets, method, h)))
	return hex.EncodeToString(sum[:])
}

// MethodName is the lower-case name of a method in recipes and the CLI ("full", "lora", "pretrain").
func MethodName(m TrainingMethod) string {
	switch m {
	case TrainingMethod_TRAINING_METHOD_FULL:
		return "full"
	case TrainingMethod_TRAINING_METHOD_LORA:
		return "lora"
	case TrainingMethod_TRAINING_METHOD_PRETRAIN:
		return "pretrain"
	default:
		return "unspecified"
	}
}
