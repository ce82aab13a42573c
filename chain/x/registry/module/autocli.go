package module

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/inferchain/inferchain/chain/x/registry/types"
)

// AutoCLIOptions implements autocli.HasAutoCLIConfig: `inferchaind q registry ...` and `inferchaind tx registry ...`.
//
// Repeated message fields of the register txs take one JSON object per flag, e.g.
//
//	inferchaind tx registry register-model <root> tiny-llm 1.0 onnx \
//	  --files '{"path":"model.onnx","size":"12289","root":"69c4..."}' \
//	  --parents '{"model":"<root>","relation":"PARENT_RELATION_FINETUNE"}' --from alice
//
// The signer field (publisher / attester) comes from --from. UpdateParams is governance-only and skipped.
func (am AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.Query_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod: "Params",
					Use:       "params",
					Short:     "Show the registry parameters",
				},
				{
					RpcMethod:      "Model",
					Use:            "model [content-root]",
					Short:          "Show a model by content root",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "content_root"}},
				},
				{
					RpcMethod:      "ModelByName",
					Use:            "model-by-name [name] [version]",
					Short:          "Show a model by its name@version handle",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "name"}, {ProtoField: "version"}},
				},
				{
					RpcMethod: "Models",
					Use:       "models",
					Short:     "List registered models",
				},
				{
					RpcMethod:      "Dataset",
					Use:            "dataset [content-root]",
					Short:          "Show a dataset by content root",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "content_root"}},
				},
				{
					RpcMethod:      "DatasetByName",
					Use:            "dataset-by-name [name] [version]",
					Short:          "Show a dataset by its name@version handle",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "name"}, {ProtoField: "version"}},
				},
				{
					RpcMethod: "Datasets",
					Use:       "datasets",
					Short:     "List registered datasets",
				},
				{
					RpcMethod:      "Lineage",
					Use:            "lineage [content-root]",
					Short:          "Show a model's ancestors and the datasets that went into them, transitively",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "content_root"}},
				},
				{
					RpcMethod:      "Descendants",
					Use:            "descendants [content-root]",
					Short:          "List the models derived from a model, transitively",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "content_root"}},
				},
				{
					RpcMethod:      "Attestation",
					Use:            "attestation [id]",
					Short:          "Show an attestation by id",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "id"}},
				},
				{
					RpcMethod:      "Attestations",
					Use:            "attestations [subject]",
					Short:          "List the attestations of a model or dataset (--include-revoked for revoked ones too)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "subject"}},
				},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: types.Msg_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod: "RegisterModel",
					Use:       "register-model [content-root] [name] [version] [format]",
					Short:     "Register a model's weights digest and lineage (files, parents, datasets as JSON flags)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "content_root"}, {ProtoField: "name"}, {ProtoField: "version"}, {ProtoField: "format"},
					},
				},
				{
					RpcMethod: "RegisterDataset",
					Use:       "register-dataset [content-root] [name] [version]",
					Short:     "Register a dataset's digest (files as JSON flags, --sources for the datasets it derives from)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "content_root"}, {ProtoField: "name"}, {ProtoField: "version"},
					},
				},
				{
					RpcMethod:      "Attest",
					Use:            "attest [subject] [predicate]",
					Short:          "Attest a claim (eval, safety, license-audit, ...) about a model or dataset",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "subject"}, {ProtoField: "predicate"}},
				},
				{
					RpcMethod:      "RevokeAttestation",
					Use:            "revoke-attestation [id]",
					Short:          "Revoke one of your attestations",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "id"}},
				},
				{
					RpcMethod: "UpdateModelStatus",
					Use:       "update-model-status [content-root] [status]",
					Short:     "Deprecate, revoke or re-activate one of your models (status: active, deprecated or revoked)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "content_root"}, {ProtoField: "status"},
					},
				},
				{
					RpcMethod: "UpdateParams",
					Skip:      true, // governance only
				},
			},
		},
	}
}
