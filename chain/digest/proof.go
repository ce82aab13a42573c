package digest

import (
	"errors"
	"fmt"
)

// InclusionProof returns the RFC 6962 audit path (PATH(m, D[n]), section 2.1.1) for leaf index in the tree
// over leaves: the sibling hashes from the leaf up to the root. It is used for proof-of-possession
// challenges: a holder of the weights proves one 4 KiB leaf of a file against the file root, and the file
// leaf against the content root.
func InclusionProof(leaves []Hash, index uint64) ([]Hash, error) {
	n := uint64(len(leaves))
	if n == 0 {
		return nil, errors.New("digest: inclusion proof in an empty tree")
	}
	if index >= n {
		return nil, fmt.Errorf("digest: leaf index %d out of range for %d leaves", index, n)
	}
	return path(leaves, index), nil
}

func path(leaves []Hash, m uint64) []Hash {
	n := uint64(len(leaves))
	if n == 1 {
		return nil
	}
	k := uint64(splitPoint(len(leaves)))
	if m < k {
		return append(path(leaves[:k], m), mth(leaves[k:]))
	}
	return append(path(leaves[k:], m-k), mth(leaves[:k]))
}

// RootFromInclusionProof recomputes the root of a tree of treeSize leaves from one leaf hash at index and
// its audit path (RFC 9162, section 2.1.3.2).
func RootFromInclusionProof(leaf Hash, index, treeSize uint64, proof []Hash) (Hash, error) {
	if treeSize == 0 {
		return Hash{}, errors.New("digest: empty tree")
	}
	if index >= treeSize {
		return Hash{}, fmt.Errorf("digest: leaf index %d out of range for %d leaves", index, treeSize)
	}
	fn, sn := index, treeSize-1
	r := leaf
	for _, p := range proof {
		if sn == 0 {
			return Hash{}, errors.New("digest: inclusion proof too long")
		}
		if fn&1 == 1 || fn == sn {
			r = NodeHash(p, r)
			if fn&1 == 0 {
				for fn&1 == 0 && fn != 0 {
					fn >>= 1
					sn >>= 1
				}
			}
		} else {
			r = NodeHash(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 {
		return Hash{}, errors.New("digest: inclusion proof too short")
	}
	return r, nil
}

// VerifyInclusion reports whether proof shows that leaf is leaf number index of the tree of treeSize leaves
// whose root is root.
func VerifyInclusion(leaf Hash, index, treeSize uint64, proof []Hash, root Hash) bool {
	got, err := RootFromInclusionProof(leaf, index, treeSize, proof)
	return err == nil && got == root
}

// ChunkLeaf returns the leaf hash of the 4 KiB chunk number index of a file, given the chunk's bytes.
// (Alias of LeafHash, named for proof-of-possession callers.)
func ChunkLeaf(chunk []byte) Hash { return LeafHash(chunk) }

// LeafCount returns the number of 4 KiB leaves of a file of size bytes (an empty file has one).
func LeafCount(size uint64) uint64 {
	if size == 0 {
		return 1
	}
	return (size + LeafSize - 1) / LeafSize
}
