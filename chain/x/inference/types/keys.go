package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the name of the inference module. Its module account escrows every open job's max_fee.
	ModuleName = "inference"
	// StoreKey is the KV store key of the inference module.
	StoreKey = ModuleName
	// RouterKey routes messages (kept for tooling that still expects it).
	RouterKey = ModuleName
	// VerifierPoolName is the module account that collects the verifier share of settled fees. It pays
	// params.verifier_reward to the committee members of concluded audits.
	VerifierPoolName = "inference_verifiers"
)

// Collection prefixes. Never reuse or renumber: they are part of the state layout.
var (
	ParamsKey             = collections.NewPrefix(0)
	JobsKey               = collections.NewPrefix(1)
	JobSeqKey             = collections.NewPrefix(2)
	JobsByRequesterKey    = collections.NewPrefix(3)
	JobsByExecutorKey     = collections.NewPrefix(4)
	JobsByStatusKey       = collections.NewPrefix(5)
	ExecutorsKey          = collections.NewPrefix(6)
	ExecutorsBySidecarKey = collections.NewPrefix(7)
	ExecutorsByModelKey   = collections.NewPrefix(8)
	DeadlineQueueKey      = collections.NewPrefix(9)
	SettlementQueueKey    = collections.NewPrefix(10)
	AuditQueueKey         = collections.NewPrefix(11)
	JobsByVerifierKey     = collections.NewPrefix(12)
	// Prefixes from 40 on: security state (issue 9).
	TombstonesKey           = collections.NewPrefix(40)
	EntropyKey              = collections.NewPrefix(41)
	PruneQueueKey           = collections.NewPrefix(42)
	JobsByExecutorStatusKey = collections.NewPrefix(43)
	OpenAuditsByVerifierKey = collections.NewPrefix(44)
	// Prefixes from 50 on: proof of possession (issue 11).
	PossessionChallengesKey = collections.NewPrefix(50)
	PossessionQueueKey      = collections.NewPrefix(51)
)

// FirstJobID is the id of the first job; 0 is never a valid job id.
const FirstJobID uint64 = 1

// Domain separators of the on-chain randomness (see keeper/assign.go).
const (
	SeedDomain = "inferchain/seed"
	// AuditDomain separates the audit draw (selection and committee) from the other draws.
	AuditDomain = "inferchain/audit"
	// VerdictDomain separates a verifier's verdict commitment (see VerdictCommitHash).
	VerdictDomain = "inferchain/verdict"
	// EntropyDomain separates the running block-hash accumulator (see keeper/entropy.go).
	EntropyDomain = "inferchain/entropy"
)

// Finish reasons a result may carry.
const (
	FinishReasonEOS    = "eos"
	FinishReasonLength = "length"
)
