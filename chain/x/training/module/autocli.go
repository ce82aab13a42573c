package module

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/inferchain/inferchain/chain/x/training/types"
)

// AutoCLIOptions implements autocli.HasAutoCLIConfig: `inferchaind q training ...` and `inferchaind tx training ...`.
//
//	inferchaind tx training request-training <base-root> tiny-ft 1 100stake --datasets <root> \
//	  --method TRAINING_METHOD_FULL \
//	  --hyper-params '{"learning_rate":"0.01","steps":"40","batch_size":2,"seq_len":32,"seed":"7","checkpoint_interval":"10"}' --from alice
//
// SubmitTrainingResult is the sidecar's (inferchain-node posts it); UpdateParams is governance-only.
func (am AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.Query_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show the training parameters"},
				{
					RpcMethod: "TrainingJob", Use: "job [id]", Short: "Show a training job (status, executor, recipe hash, result)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "id"}},
				},
				{RpcMethod: "TrainingJobs", Use: "jobs", Short: "List training jobs"},
				{
					RpcMethod: "TrainingAudits", Use: "audits [verifier]", Short: "List the training jobs under audit whose committee includes a validator",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "verifier"}},
				},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: types.Msg_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod: "RequestTraining",
					Use:       "request-training [base-model] [child-name] [child-version] [max-fee]",
					Short:     "Request a fine-tuning job: escrows max-fee, assigns an executor serving the base model",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "base_model"}, {ProtoField: "child_name"}, {ProtoField: "child_version"}, {ProtoField: "max_fee"},
					},
				},
				{
					RpcMethod: "SubmitTrainingResult",
					Use:       "submit-training-result [job-id] [child-content-root] [checkpoint-root] [checkpoint-interval] [final-loss]",
					Short:     "Post a training result (the assigned executor's sidecar account only)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "job_id"}, {ProtoField: "child_content_root"}, {ProtoField: "checkpoint_root"}, {ProtoField: "checkpoint_interval"}, {ProtoField: "final_loss"},
					},
				},
				{
					RpcMethod: "CommitTrainingVerdict", Use: "commit-training-verdict [job-id] [commit-hash]",
					Short:          "Commit to a replay verdict (a committee member's sidecar account only)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "job_id"}, {ProtoField: "commit_hash"}},
				},
				{
					RpcMethod: "RevealTrainingVerdict", Use: "reveal-training-verdict [job-id] [verdict] [salt]",
					Short:          "Reveal a committed replay verdict (TRAINING_VERDICT_MATCH | _MISMATCH | _ABSTAIN)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "job_id"}, {ProtoField: "verdict"}, {ProtoField: "salt"}},
				},
				{RpcMethod: "UpdateParams", Skip: true},
			},
		},
	}
}
