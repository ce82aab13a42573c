package module

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/inferchain/inferchain/chain/x/inference/types"
)

// AutoCLIOptions implements autocli.HasAutoCLIConfig: `inferchaind q inference ...` and `inferchaind tx inference ...`.
//
//	inferchaind tx inference register-executor <sidecar-addr> <model-root> [<model-root>...] --endpoint http://host:8080 --from validator
//	inferchaind tx inference update-executor --models <root>,<root> --active=false --from validator
//	inferchaind tx inference request-inference <model-root> "Hello" --max-tokens 64 --max-fee 2000uinfer --from alice
//	inferchaind tx inference reject-job 7 "prompt_too_long: prompt is 2100 tokens; the model's context is 2048 with max_tokens 64" --from sidecar
//	inferchaind q inference job 1
//	inferchaind tx inference commit-verdict 7 <sha256-hex> --from sidecar
//	inferchaind tx inference reveal-verdict 7 fraud <salt-hex> --reason "step 3: gap 5.21 > eps 0.01" --from sidecar
//	inferchaind q inference jobs --executor infervaloper1... --status pending
//	inferchaind q inference jobs --verifier infervaloper1... --status auditing
//	inferchaind q inference executors-of-model <model-root>
//
// The signer field (operator / requester / sidecar) comes from --from. UpdateParams is governance-only and skipped.
func (am AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.Query_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod: "Params",
					Use:       "params",
					Short:     "Show the inference parameters",
				},
				{
					RpcMethod:      "Job",
					Use:            "job [id]",
					Short:          "Show a job: request, assignment, result, settlement",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "id"}},
				},
				{
					RpcMethod: "Jobs",
					Use:       "jobs",
					Short:     "List jobs, optionally filtered by --requester, --executor, --verifier (audit committee member) and --status (filters combine)",
				},
				{
					RpcMethod:      "Executor",
					Use:            "executor [validator]",
					Short:          "Show the executor of a validator (infervaloper address)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "validator"}},
				},
				{
					RpcMethod: "Executors",
					Use:       "executors",
					Short:     "List executors",
				},
				{
					RpcMethod:      "ExecutorsOfModel",
					Use:            "executors-of-model [model]",
					Short:          "List the active executors serving a model (content root)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "model"}},
				},
				{
					RpcMethod:      "PossessionChallenges",
					Use:            "possession-challenges [validator]",
					Short:          "List the open proof-of-possession challenges of an executor (infervaloper address)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "validator"}},
				},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: types.Msg_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod: "RegisterExecutor",
					Use:       "register-executor [sidecar] [models...]",
					Short:     "Bind your bonded validator's sidecar account and the models (content roots) it serves (--from the operator key)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "sidecar"},
						{ProtoField: "models", Varargs: true},
					},
				},
				{
					RpcMethod: "UpdateExecutor",
					Use:       "update-executor",
					Short:     "Change your executor's --sidecar, --models (replace the list), --endpoint or --active (default true; --active=false stops new jobs)",
					FlagOptions: map[string]*autocliv1.FlagOptions{
						"active": {Usage: "whether the executor takes new jobs", DefaultValue: "true"},
					},
				},
				{
					RpcMethod: "RequestInference",
					Use:       "request-inference [model] [prompt]",
					Short:     "Request an inference: escrows --max-fee (at least base_fee + fee_per_token * --max-tokens) and assigns an executor",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "model"},
						{ProtoField: "prompt"},
					},
					FlagOptions: map[string]*autocliv1.FlagOptions{
						"max_tokens":        {Usage: "the most tokens to generate (1..max_tokens_limit)"},
						"max_fee":           {Usage: "the fee to escrow, e.g. 2000uinfer; unused fee is refunded"},
						"temperature_milli": {Usage: "sampling temperature x1000 (0 = greedy, at most 5000)"},
						"top_k":             {Usage: "top-k sampling (0 = off, at most 1000)"},
					},
				},
				{
					// The sidecar submits results (TS SDK). client/v2 v2.0.0-beta.11 cannot bind a repeated uint32
					// flag (output_token_ids: "assigning invalid type uint64" panic), so there is no CLI command;
					// `inferchaind tx sign` / `tx broadcast` of a JSON MsgSubmitResult works for manual use.
					RpcMethod: "SubmitResult",
					Skip:      true,
				},
				{
					// leaf bytes and audit paths: answered by the sidecar; `tx sign`/`tx broadcast` of JSON for manual use
					RpcMethod: "ProvePossession",
					Skip:      true,
				},
				{
					RpcMethod: "RejectJob",
					Use:       "reject-job [job-id] [reason]",
					Short:     "Refuse a job assigned to your executor that no executor can run; the requester gets the whole max_fee back (--from the sidecar key)",
					Long: "Refuse a PENDING job assigned to your executor, before its deadline, because no honest executor can run it " +
						"(e.g. the prompt does not fit the model's context). The requester is refunded at once and the job ends REFUNDED " +
						"with the reason. The reason starts with a machine code (lowercase snake_case), alone or followed by \": \" and " +
						"an explanation, at most 512 bytes, e.g. \"prompt_too_long: prompt is 2100 tokens; the model's context is 2048 with max_tokens 64\".",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "job_id"},
						{ProtoField: "reason"},
					},
				},
				{
					RpcMethod: "CommitVerdict",
					Use:       "commit-verdict [job-id] [commit-hash]",
					Short:     "Commit to your verdict on a job your executor audits, before the commit deadline (--from the sidecar key)",
					Long: "Commit to a verdict on an AUDITING job whose committee includes your executor, at or before its commit deadline. " +
						"commit-hash = hex(sha256(\"inferchain/verdict\" || u64be(job_id) || u8(verdict: 1 valid, 2 fraud) || salt (32 bytes) || utf8(your infervaloper address))); " +
						"keep the salt secret until you reveal.",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "job_id"},
						{ProtoField: "commit_hash"},
					},
				},
				{
					RpcMethod: "RevealVerdict",
					Use:       "reveal-verdict [job-id] [verdict] [salt]",
					Short:     "Reveal your committed verdict (valid | fraud) and its salt after the commit phase, before the reveal deadline (--from the sidecar key)",
					Long: "Reveal the verdict (valid or fraud) and the 32-byte salt (64 hex characters) you committed to with commit-verdict. " +
						"Accepted after the commit phase (past the commit deadline, or once every committee member committed) and at or before the reveal deadline. " +
						"--reason (at most 512 bytes) explains a fraud verdict, e.g. \"step 3: gap 5.21 > eps 0.01\".",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "job_id"},
						{ProtoField: "verdict"},
						{ProtoField: "salt"},
					},
					FlagOptions: map[string]*autocliv1.FlagOptions{
						"reason": {Usage: "why (for fraud: the first failing check), at most 512 bytes"},
					},
				},
				{
					RpcMethod: "UpdateParams",
					Skip:      true, // governance only
				},
				{
					RpcMethod: "ClearTombstone",
					Skip:      true, // governance only (a MsgClearTombstone in a gov proposal)
				},
			},
		},
	}
}
