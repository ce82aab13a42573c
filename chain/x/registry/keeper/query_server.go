package keeper

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cosmossdk.io/collections"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/inferchain/inferchain/chain/digest"
	"github.com/inferchain/inferchain/chain/x/registry/types"
)

type queryServer struct {
	k Keeper
}

var _ types.QueryServer = queryServer{}

// NewQueryServerImpl returns the registry Query service implementation.
func NewQueryServerImpl(k Keeper) types.QueryServer {
	return queryServer{k: k}
}

var errEmptyRequest = status.Error(codes.InvalidArgument, "empty request")

func checkRoot(field, s string) error {
	if !digest.IsHexDigest(s) {
		return status.Errorf(codes.InvalidArgument, "%s: must be 64 lowercase hex characters (a SHA-256 digest), got %q", field, truncate(s))
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

func internal(err error) error {
	return status.Error(codes.Internal, err.Error())
}

func (q queryServer) Params(ctx context.Context, req *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	p, err := q.k.GetParams(ctx)
	if err != nil {
		return nil, internal(err)
	}
	return &types.QueryParamsResponse{Params: p}, nil
}

func (q queryServer) getModel(ctx context.Context, root string) (types.Model, error) {
	m, found, err := q.k.GetModel(ctx, root)
	if err != nil {
		return m, internal(err)
	}
	if !found {
		return m, status.Errorf(codes.NotFound, "model %s not found", root)
	}
	return m, nil
}

func (q queryServer) Model(ctx context.Context, req *types.QueryModelRequest) (*types.QueryModelResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	if err := checkRoot("content_root", req.ContentRoot); err != nil {
		return nil, err
	}
	m, err := q.getModel(ctx, req.ContentRoot)
	if err != nil {
		return nil, err
	}
	return &types.QueryModelResponse{Model: m}, nil
}

func checkNameVersion(name, version string) error {
	if name == "" {
		return status.Error(codes.InvalidArgument, "name: must not be empty")
	}
	if version == "" {
		return status.Error(codes.InvalidArgument, "version: must not be empty")
	}
	return nil
}

func (q queryServer) ModelByName(ctx context.Context, req *types.QueryModelByNameRequest) (*types.QueryModelByNameResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	if err := checkNameVersion(req.Name, req.Version); err != nil {
		return nil, err
	}
	m, found, err := q.k.ModelByName(ctx, req.Name, req.Version)
	if err != nil {
		return nil, internal(err)
	}
	if !found {
		return nil, status.Errorf(codes.NotFound, "model %s@%s not found", req.Name, req.Version)
	}
	return &types.QueryModelByNameResponse{Model: m}, nil
}

func (q queryServer) Models(ctx context.Context, req *types.QueryModelsRequest) (*types.QueryModelsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	models, page, err := query.CollectionPaginate(ctx, q.k.Models, req.Pagination,
		func(_ string, m types.Model) (types.Model, error) { return m, nil })
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryModelsResponse{Models: models, Pagination: page}, nil
}

func (q queryServer) Dataset(ctx context.Context, req *types.QueryDatasetRequest) (*types.QueryDatasetResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	if err := checkRoot("content_root", req.ContentRoot); err != nil {
		return nil, err
	}
	d, found, err := q.k.GetDataset(ctx, req.ContentRoot)
	if err != nil {
		return nil, internal(err)
	}
	if !found {
		return nil, status.Errorf(codes.NotFound, "dataset %s not found", req.ContentRoot)
	}
	return &types.QueryDatasetResponse{Dataset: d}, nil
}

func (q queryServer) DatasetByName(ctx context.Context, req *types.QueryDatasetByNameRequest) (*types.QueryDatasetByNameResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	if err := checkNameVersion(req.Name, req.Version); err != nil {
		return nil, err
	}
	d, found, err := q.k.DatasetByName(ctx, req.Name, req.Version)
	if err != nil {
		return nil, internal(err)
	}
	if !found {
		return nil, status.Errorf(codes.NotFound, "dataset %s@%s not found", req.Name, req.Version)
	}
	return &types.QueryDatasetByNameResponse{Dataset: d}, nil
}

func (q queryServer) Datasets(ctx context.Context, req *types.QueryDatasetsRequest) (*types.QueryDatasetsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	datasets, page, err := query.CollectionPaginate(ctx, q.k.Datasets, req.Pagination,
		func(_ string, d types.Dataset) (types.Dataset, error) { return d, nil })
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryDatasetsResponse{Datasets: datasets, Pagination: page}, nil
}

// Lineage walks breadth-first from the model through parents (models), the datasets of every model
// reached, and the sources of every dataset reached. Each node is returned once; every edge between
// returned nodes is returned once. The walk stops when params.max_lineage_nodes ancestors + datasets have
// been collected and another would be added (truncated = true).
func (q queryServer) Lineage(ctx context.Context, req *types.QueryLineageRequest) (*types.QueryLineageResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	if err := checkRoot("content_root", req.ContentRoot); err != nil {
		return nil, err
	}
	root, err := q.getModel(ctx, req.ContentRoot)
	if err != nil {
		return nil, err
	}
	params, err := q.k.GetParams(ctx)
	if err != nil {
		return nil, internal(err)
	}
	limit := int(params.MaxLineageNodes)

	type node struct {
		model   *types.Model
		dataset *types.Dataset
	}
	resp := &types.QueryLineageResponse{Model: root}
	seenModels := map[string]bool{root.ContentRoot: true}
	seenDatasets := map[string]bool{}
	count := 0
	queue := []node{{model: &root}}

	for len(queue) > 0 && !resp.Truncated {
		n := queue[0]
		queue = queue[1:]
		if n.model != nil {
			m := n.model
			for _, p := range m.Parents {
				if !seenModels[p.Model] {
					if count >= limit {
						resp.Truncated = true
						break
					}
					parent, found, err := q.k.GetModel(ctx, p.Model)
					if err != nil {
						return nil, internal(err)
					}
					if !found {
						return nil, status.Errorf(codes.Internal, "model %s lists unknown parent %s", m.ContentRoot, p.Model)
					}
					seenModels[p.Model] = true
					count++
					resp.Ancestors = append(resp.Ancestors, parent)
					queue = append(queue, node{model: &parent})
				}
				resp.Edges = append(resp.Edges, types.LineageEdge{
					From: m.ContentRoot, To: p.Model, Kind: types.LineageEdgeKind_LINEAGE_EDGE_KIND_PARENT, Relation: p.Relation,
				})
			}
			if resp.Truncated {
				break
			}
			for _, d := range m.Datasets {
				if !seenDatasets[d.Dataset] {
					if count >= limit {
						resp.Truncated = true
						break
					}
					ds, found, err := q.k.GetDataset(ctx, d.Dataset)
					if err != nil {
						return nil, internal(err)
					}
					if !found {
						return nil, status.Errorf(codes.Internal, "model %s lists unknown dataset %s", m.ContentRoot, d.Dataset)
					}
					seenDatasets[d.Dataset] = true
					count++
					resp.Datasets = append(resp.Datasets, ds)
					queue = append(queue, node{dataset: &ds})
				}
				resp.Edges = append(resp.Edges, types.LineageEdge{
					From: m.ContentRoot, To: d.Dataset, Kind: types.LineageEdgeKind_LINEAGE_EDGE_KIND_DATASET, Role: d.Role,
				})
			}
			continue
		}
		d := n.dataset
		for _, s := range d.Sources {
			if !seenDatasets[s] {
				if count >= limit {
					resp.Truncated = true
					break
				}
				src, found, err := q.k.GetDataset(ctx, s)
				if err != nil {
					return nil, internal(err)
				}
				if !found {
					return nil, status.Errorf(codes.Internal, "dataset %s lists unknown source %s", d.ContentRoot, s)
				}
				seenDatasets[s] = true
				count++
				resp.Datasets = append(resp.Datasets, src)
				queue = append(queue, node{dataset: &src})
			}
			resp.Edges = append(resp.Edges, types.LineageEdge{
				From: d.ContentRoot, To: s, Kind: types.LineageEdgeKind_LINEAGE_EDGE_KIND_SOURCE,
			})
		}
	}
	return resp, nil
}

// Descendants walks breadth-first over the models that list the model (transitively) as a parent, bounded
// by params.max_lineage_nodes. Edges go from the child to its parent, as in Lineage.
func (q queryServer) Descendants(ctx context.Context, req *types.QueryDescendantsRequest) (*types.QueryDescendantsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	if err := checkRoot("content_root", req.ContentRoot); err != nil {
		return nil, err
	}
	if _, err := q.getModel(ctx, req.ContentRoot); err != nil {
		return nil, err
	}
	params, err := q.k.GetParams(ctx)
	if err != nil {
		return nil, internal(err)
	}
	limit := int(params.MaxLineageNodes)
	resp := &types.QueryDescendantsResponse{}
	seen := map[string]bool{req.ContentRoot: true}
	queue := []string{req.ContentRoot}
	for len(queue) > 0 && !resp.Truncated {
		parent := queue[0]
		queue = queue[1:]
		var children []string
		err := q.k.ModelChildren.Walk(ctx, collections.NewPrefixedPairRange[string, string](parent),
			func(key collections.Pair[string, string]) (bool, error) {
				children = append(children, key.K2())
				return false, nil
			})
		if err != nil {
			return nil, internal(err)
		}
		for _, c := range children {
			if !seen[c] && len(resp.Descendants) >= limit {
				resp.Truncated = true
				break
			}
			child, found, err := q.k.GetModel(ctx, c)
			if err != nil {
				return nil, internal(err)
			}
			if !found {
				return nil, status.Errorf(codes.Internal, "child index names unknown model %s", c)
			}
			if !seen[c] {
				seen[c] = true
				resp.Descendants = append(resp.Descendants, child)
				queue = append(queue, c)
			}
			for _, p := range child.Parents {
				if p.Model == parent {
					resp.Edges = append(resp.Edges, types.LineageEdge{
						From: c, To: parent, Kind: types.LineageEdgeKind_LINEAGE_EDGE_KIND_PARENT, Relation: p.Relation,
					})
				}
			}
		}
	}
	return resp, nil
}

func (q queryServer) Attestation(ctx context.Context, req *types.QueryAttestationRequest) (*types.QueryAttestationResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	if req.Id < types.FirstAttestationID {
		return nil, status.Errorf(codes.InvalidArgument, "id: must be at least %d", types.FirstAttestationID)
	}
	a, err := q.k.Attestations.Get(ctx, req.Id)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Errorf(codes.NotFound, "attestation %d not found", req.Id)
	} else if err != nil {
		return nil, internal(err)
	}
	return &types.QueryAttestationResponse{Attestation: a}, nil
}

// Attestations lists the attestations of one subject in id order, paginated; revoked ones only when
// include_revoked is set.
func (q queryServer) Attestations(ctx context.Context, req *types.QueryAttestationsRequest) (*types.QueryAttestationsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	if err := checkRoot("subject", req.Subject); err != nil {
		return nil, err
	}
	kind, err := q.k.subjectKind(ctx, req.Subject)
	if err != nil {
		return nil, internal(err)
	}
	if kind == types.SubjectKind_SUBJECT_KIND_UNSPECIFIED {
		return nil, status.Errorf(codes.NotFound, "no model or dataset %s", req.Subject)
	}
	get := func(key collections.Pair[string, uint64]) (types.Attestation, error) {
		return q.k.Attestations.Get(ctx, key.K2())
	}
	var predicate func(collections.Pair[string, uint64], collections.NoValue) (bool, error)
	if !req.IncludeRevoked {
		predicate = func(key collections.Pair[string, uint64], _ collections.NoValue) (bool, error) {
			a, err := get(key)
			if err != nil {
				return false, err
			}
			return !a.Revoked, nil
		}
	}
	atts, page, err := query.CollectionFilteredPaginate(ctx, q.k.AttestationsBySubject, req.Pagination, predicate,
		func(key collections.Pair[string, uint64], _ collections.NoValue) (types.Attestation, error) {
			return get(key)
		},
		query.WithCollectionPaginationPairPrefix[string, uint64](req.Subject))
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryAttestationsResponse{Attestations: atts, Pagination: page}, nil
}
