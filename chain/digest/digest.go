// Package digest implements the Inferchain content-root scheme (DESIGN.md, "Digest scheme").
//
// A file is split into 4096-byte leaves (the last one short; an empty file has exactly one empty leaf).
// leaf = SHA-256(0x00 ‖ bytes), node = SHA-256(0x01 ‖ left ‖ right), and the tree has the RFC 6962 shape
// (a tree over n > 1 leaves splits at the largest power of two smaller than n). The root of that tree is
// the file root.
//
// An artifact (model or dataset) is a set of files. Its files are sorted by path (UTF-8 bytes) and each
// contributes one file leaf:
//
//	SHA-256(0x00 ‖ u32be(len(path)) ‖ path ‖ u64be(size) ‖ file_root)
//
// The content root is the same RFC 6962 Merkle tree hash over the file leaves.
//
// The scheme is implemented identically in Go (here), TypeScript (sdk/) and Python
// (test/vectors/gen_digest_vectors.py); the shared vectors in test/vectors/digest.json pin all three.
package digest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

// LeafSize is the number of file bytes committed to by one leaf.
const LeafSize = 4096

// Scheme names this digest scheme (matches "scheme" in the shared test vectors).
const Scheme = "inferchain-content-root-v1"

// Size is the length of a digest in bytes.
const Size = sha256.Size

// Hash is a SHA-256 digest.
type Hash [Size]byte

// String returns the lowercase hex form used on chain.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// Hex returns the lowercase hex form used on chain.
func (h Hash) Hex() string { return hex.EncodeToString(h[:]) }

// IsZero reports whether h is all zero bytes.
func (h Hash) IsZero() bool { return h == Hash{} }

// ParseHex parses a digest written as exactly 64 lowercase hex characters.
// Uppercase is refused so that every digest has a single canonical spelling (it is used as a key on chain).
func ParseHex(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*Size {
		return h, fmt.Errorf("must be %d lowercase hex characters (a SHA-256 digest), got %d characters", 2*Size, len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return h, fmt.Errorf("must be %d lowercase hex characters (a SHA-256 digest), invalid character at offset %d", 2*Size, i)
		}
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, err
	}
	return h, nil
}

// IsHexDigest reports whether s is exactly 64 lowercase hex characters.
func IsHexDigest(s string) bool {
	_, err := ParseHex(s)
	return err == nil
}

// LeafHash hashes one leaf: SHA-256(0x00 ‖ data).
func LeafHash(data []byte) Hash {
	h := sha256.New()
	h.Write([]byte{0x00})
	h.Write(data)
	var out Hash
	h.Sum(out[:0])
	return out
}

// NodeHash hashes an interior node: SHA-256(0x01 ‖ left ‖ right).
func NodeHash(left, right Hash) Hash {
	var buf [1 + 2*Size]byte
	buf[0] = 0x01
	copy(buf[1:], left[:])
	copy(buf[1+Size:], right[:])
	return sha256.Sum256(buf[:])
}

// splitPoint returns the largest power of two strictly smaller than n (n > 1).
func splitPoint(n int) int {
	k := 1
	for k*2 < n {
		k *= 2
	}
	return k
}

// MerkleRoot is the RFC 6962 Merkle tree hash over already-hashed leaves. It returns an error for zero leaves
// (the scheme never builds an empty tree: an empty file has one empty leaf, an artifact needs one file).
func MerkleRoot(leaves []Hash) (Hash, error) {
	if len(leaves) == 0 {
		return Hash{}, errors.New("digest: merkle tree over zero leaves")
	}
	return mth(leaves), nil
}

func mth(leaves []Hash) Hash {
	if len(leaves) == 1 {
		return leaves[0]
	}
	k := splitPoint(len(leaves))
	return NodeHash(mth(leaves[:k]), mth(leaves[k:]))
}

// Builder computes an RFC 6962 Merkle root incrementally, holding O(log n) hashes.
// The tree over n leaves is the perfect subtrees of the binary decomposition of n, left to right,
// folded from the right; the stack below holds exactly those subtrees.
type Builder struct {
	stack []Hash
	sizes []uint64 // leaves under each stack entry (powers of two, strictly decreasing)
	n     uint64
}

// Add appends one already-hashed leaf.
func (b *Builder) Add(leaf Hash) {
	b.stack = append(b.stack, leaf)
	b.sizes = append(b.sizes, 1)
	b.n++
	for len(b.stack) >= 2 && b.sizes[len(b.sizes)-1] == b.sizes[len(b.sizes)-2] {
		top := len(b.stack) - 1
		merged := NodeHash(b.stack[top-1], b.stack[top])
		b.stack = b.stack[:top]
		b.sizes = b.sizes[:top]
		b.stack[top-1] = merged
		b.sizes[top-1] *= 2
	}
}

// Len is the number of leaves added.
func (b *Builder) Len() uint64 { return b.n }

// Root returns the Merkle tree hash of the leaves added so far (an error when there are none).
func (b *Builder) Root() (Hash, error) {
	if len(b.stack) == 0 {
		return Hash{}, errors.New("digest: merkle tree over zero leaves")
	}
	r := b.stack[len(b.stack)-1]
	for i := len(b.stack) - 2; i >= 0; i-- {
		r = NodeHash(b.stack[i], r)
	}
	return r, nil
}

// readLeaves reads r in LeafSize chunks and calls fn with each leaf hash; an empty input yields one empty leaf.
func readLeaves(r io.Reader, fn func(Hash)) (uint64, error) {
	buf := make([]byte, LeafSize)
	var size uint64
	leaves := 0
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			fn(LeafHash(buf[:n]))
			leaves++
			size += uint64(n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return size, err
		}
	}
	if leaves == 0 {
		fn(LeafHash(nil))
	}
	return size, nil
}

// FileRoot streams r and returns its file root and its size in bytes.
func FileRoot(r io.Reader) (Hash, uint64, error) {
	var b Builder
	size, err := readLeaves(r, b.Add)
	if err != nil {
		return Hash{}, size, err
	}
	root, err := b.Root()
	return root, size, err
}

// FileRootBytes returns the file root of data.
func FileRootBytes(data []byte) Hash {
	root, _, err := FileRoot(bytes.NewReader(data))
	if err != nil { // cannot happen: a bytes.Reader does not fail and there is always one leaf
		panic(err)
	}
	return root
}

// FileRootFromPath returns the file root and size of the file at path (large files are hashed on all cores).
func FileRootFromPath(path string) (Hash, uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return Hash{}, 0, err
	}
	defer f.Close()
	return fileRootOfFile(f)
}

// FileLeafHashes returns every 4 KiB leaf hash of r, in order (for building inclusion proofs of file chunks).
func FileLeafHashes(r io.Reader) ([]Hash, uint64, error) {
	var leaves []Hash
	size, err := readLeaves(r, func(h Hash) { leaves = append(leaves, h) })
	return leaves, size, err
}

// File is one file of an artifact: its path inside the artifact, its size in bytes and its file root.
type File struct {
	Path string
	Size uint64
	Root Hash
}

// FileLeaf returns the artifact-level leaf of one file:
// SHA-256(0x00 ‖ u32be(len(path)) ‖ path ‖ u64be(size) ‖ file_root).
func FileLeaf(path string, size uint64, root Hash) Hash {
	h := sha256.New()
	var hdr [5]byte
	hdr[0] = 0x00
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(path)))
	h.Write(hdr[:])
	h.Write([]byte(path))
	var sz [8]byte
	binary.BigEndian.PutUint64(sz[:], size)
	h.Write(sz[:])
	h.Write(root[:])
	var out Hash
	h.Sum(out[:0])
	return out
}

// SortFiles returns a copy of files sorted by path, comparing UTF-8 bytes (Go string order).
func SortFiles(files []File) []File {
	out := make([]File, len(files))
	copy(out, files)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// FileLeaves returns the file leaves of an artifact in tree order (sorted by path).
// It refuses an empty file list and duplicate paths.
func FileLeaves(files []File) ([]Hash, error) {
	if len(files) == 0 {
		return nil, errors.New("digest: an artifact needs at least one file")
	}
	sorted := SortFiles(files)
	leaves := make([]Hash, len(sorted))
	for i, f := range sorted {
		if i > 0 && sorted[i-1].Path == f.Path {
			return nil, fmt.Errorf("digest: duplicate path %q", f.Path)
		}
		if len(f.Path) > int(^uint32(0)) {
			return nil, fmt.Errorf("digest: path too long")
		}
		leaves[i] = FileLeaf(f.Path, f.Size, f.Root)
	}
	return leaves, nil
}

// ArtifactRoot returns the content root of an artifact: the Merkle tree hash over its file leaves,
// the files sorted by path. It refuses an empty file list and duplicate paths.
func ArtifactRoot(files []File) (Hash, error) {
	leaves, err := FileLeaves(files)
	if err != nil {
		return Hash{}, err
	}
	return mth(leaves), nil
}
