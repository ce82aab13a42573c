package types

import (
	"context"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
)

// Royalties up the lineage.
//
// The publisher royalty of a job starts at the job's model (generation 0). A node at generation g < max_depth
// that has inputs (a model's parents and datasets, a dataset's sources) passes up = floor(amount · share) to
// them, split equally (floor(up / n) each, in their registered order), and its publisher keeps amount − up;
// a node at max_depth, without inputs, or whose inputs would take the walk past max_nodes keeps everything.
// A node reached by several paths is credited once per path (its amounts are merged per generation). The
// rounding remainders of the equal splits go to the job model's publisher. Every credit is an integer and
// they sum to the royalty exactly.

// DefaultLineageRoyaltyShare etc. are the defaults of the lineage params.
const (
	DefaultLineageRoyaltyShare        = "0.500000000000000000"
	DefaultLineageMaxDepth     uint32 = 4
	DefaultLineageMaxNodes     uint32 = 64
	CeilingLineageMaxDepth     uint32 = 32
	CeilingLineageMaxNodes     uint32 = 1024
)

// LineageShareDec parses lineage_royalty_share (a decimal in [0, 1]); empty (params stored before the field
// existed) is 0: the whole royalty to the job model's publisher.
func (p Params) LineageShareDec() (math.LegacyDec, error) {
	if p.LineageRoyaltyShare == "" {
		return math.LegacyZeroDec(), nil
	}
	return parseFraction("lineage_royalty_share", p.LineageRoyaltyShare)
}

// validateLineage checks the lineage params.
func (p Params) validateLineage() error {
	if _, err := p.LineageShareDec(); err != nil {
		return err
	}
	if p.LineageMaxDepth > CeilingLineageMaxDepth {
		return errorsmod.Wrapf(ErrInvalidParams, "params.lineage_max_depth: %d is above the ceiling %d", p.LineageMaxDepth, CeilingLineageMaxDepth)
	}
	if p.LineageMaxNodes > CeilingLineageMaxNodes {
		return errorsmod.Wrapf(ErrInvalidParams, "params.lineage_max_nodes: %d is above the ceiling %d", p.LineageMaxNodes, CeilingLineageMaxNodes)
	}
	return nil
}

// RoyaltyCredit is what one publisher is owed of a job's royalty (Publisher as registered, not yet decoded).
type RoyaltyCredit struct {
	Publisher string
	Amount    math.Int
}

// lineageNode is a model or a dataset of the lineage.
type lineageNode struct {
	dataset bool
	root    string
}

// SplitRoyalty splits royalty over the lineage of model (see above) and returns the credits per publisher, in
// first-credited order, the job model's publisher first; their amounts sum to royalty. found is false when the
// job model is not registered (the caller sends the royalty to the community pool). An ancestor that is no
// longer found keeps its part in the generation below (is treated as an absent input).
func SplitRoyalty(ctx context.Context, reg RegistryKeeper, model string, royalty math.Int, p Params) (credits []RoyaltyCredit, found bool, err error) {
	share, err := p.LineageShareDec()
	if err != nil {
		return nil, false, err
	}
	root, found, err := reg.GetModel(ctx, model)
	if err != nil || !found {
		return nil, false, err
	}
	index := map[string]int{}
	credit := func(publisher string, amt math.Int) {
		i, ok := index[publisher]
		if !ok {
			i = len(credits)
			index[publisher] = i
			credits = append(credits, RoyaltyCredit{Publisher: publisher, Amount: math.ZeroInt()})
		}
		credits[i].Amount = credits[i].Amount.Add(amt)
	}
	credit(root.Publisher, math.ZeroInt()) // the job model's publisher comes first
	direct := root.Publisher

	type entry struct {
		node   lineageNode
		amount math.Int
	}
	gen := []entry{{lineageNode{root: model}, royalty}}
	visited := uint32(1)
	dust := math.ZeroInt()
	for depth := uint32(0); len(gen) > 0; depth++ {
		var next []entry
		nextIndex := map[lineageNode]int{}
		for _, e := range gen {
			publisher, inputs, err := lookup(ctx, reg, e.node)
			if err != nil {
				return nil, false, err
			}
			keep := e.amount
			// the budget is checked on the declared inputs before any of them is read
			if depth < p.LineageMaxDepth && len(inputs) > 0 && share.IsPositive() && visited+uint32(len(inputs)) <= p.LineageMaxNodes {
				visited += uint32(len(inputs))
				if inputs, err = registered(ctx, reg, inputs); err != nil {
					return nil, false, err
				}
			} else {
				inputs = nil
			}
			if len(inputs) > 0 {
				up := math.LegacyNewDecFromInt(e.amount).Mul(share).TruncateInt()
				each := up.QuoRaw(int64(len(inputs)))
				keep = e.amount.Sub(up)
				dust = dust.Add(up.Sub(each.MulRaw(int64(len(inputs)))))
				for _, in := range inputs {
					if i, ok := nextIndex[in]; ok {
						next[i].amount = next[i].amount.Add(each)
					} else {
						nextIndex[in] = len(next)
						next = append(next, entry{in, each})
					}
				}
			}
			credit(publisher, keep)
		}
		gen = next
	}
	credit(direct, dust)
	return credits, true, nil
}

// lookup returns a lineage node's publisher and its declared inputs (parents then datasets; a dataset's sources).
func lookup(ctx context.Context, reg RegistryKeeper, n lineageNode) (string, []lineageNode, error) {
	var inputs []lineageNode
	if n.dataset {
		d, found, err := reg.GetDataset(ctx, n.root)
		if err != nil || !found {
			return "", nil, err
		}
		for _, s := range d.Sources {
			inputs = append(inputs, lineageNode{dataset: true, root: s})
		}
		return d.Publisher, inputs, nil
	}
	m, found, err := reg.GetModel(ctx, n.root)
	if err != nil || !found {
		return "", nil, err
	}
	for _, pr := range m.Parents {
		inputs = append(inputs, lineageNode{root: pr.Model})
	}
	for _, d := range m.Datasets {
		inputs = append(inputs, lineageNode{dataset: true, root: d.Dataset})
	}
	return m.Publisher, inputs, nil
}

// registered keeps the inputs that are still registered (x/registry never deletes, so this is all of them in
// practice; a missing one is skipped rather than paid to nobody).
func registered(ctx context.Context, reg RegistryKeeper, inputs []lineageNode) ([]lineageNode, error) {
	out := inputs[:0:0]
	for _, in := range inputs {
		var ok bool
		var err error
		if in.dataset {
			_, ok, err = reg.GetDataset(ctx, in.root)
		} else {
			_, ok, err = reg.GetModel(ctx, in.root)
		}
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, in)
		}
	}
	return out, nil
}
