package digest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// proofVectors is test/vectors/proofs.json (gen_proof_vectors.py); the TypeScript SDK checks the same file.
type proofVectors struct {
	Scheme   string `json:"scheme"`
	LeafSize int    `json:"leaf_size"`
	Trees    []struct {
		Size      uint64 `json:"size"`
		Seed      uint64 `json:"seed"`
		LeafCount uint64 `json:"leaf_count"`
		Root      string `json:"root"`
		Inclusion []struct {
			Index uint64   `json:"index"`
			Proof []string `json:"proof"`
		} `json:"inclusion"`
	} `json:"trees"`
	Artifact struct {
		ContentRoot string `json:"content_root"`
		Files       []struct {
			Index uint64   `json:"index"`
			Path  string   `json:"path"`
			Size  uint64   `json:"size"`
			Root  string   `json:"root"`
			Proof []string `json:"proof"`
		} `json:"files"`
	} `json:"artifact"`
}

func loadProofVectors(t *testing.T) proofVectors {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "test", "vectors", "proofs.json"))
	if err != nil {
		t.Fatalf("read proof vectors: %v", err)
	}
	var v proofVectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("parse proof vectors: %v", err)
	}
	if v.Scheme != Scheme || v.LeafSize != LeafSize || len(v.Trees) == 0 || len(v.Artifact.Files) == 0 {
		t.Fatalf("proof vectors are empty or for another scheme (%q, %d)", v.Scheme, v.LeafSize)
	}
	return v
}

func hexes(t *testing.T, ss []string) []Hash {
	out := make([]Hash, len(ss))
	for i, s := range ss {
		out[i] = mustHex(t, s)
	}
	return out
}

// The Go proofs (used by the chain for possession challenges) equal the Python ones leaf for leaf, verify, and
// a flipped proof hash or a wrong index is refused.
func TestProofVectorsInclusion(t *testing.T) {
	v := loadProofVectors(t)
	for _, tr := range v.Trees {
		data := content(tr.Size, tr.Seed)
		var leaves []Hash
		for off := uint64(0); off < tr.Size || (off == 0 && tr.Size == 0); off += LeafSize {
			end := off + LeafSize
			if end > tr.Size {
				end = tr.Size
			}
			leaves = append(leaves, LeafHash(data[off:end]))
		}
		if uint64(len(leaves)) != tr.LeafCount || LeafCount(tr.Size) != tr.LeafCount {
			t.Fatalf("size %d: %d leaves, vectors say %d", tr.Size, len(leaves), tr.LeafCount)
		}
		root := mustHex(t, tr.Root)
		for _, inc := range tr.Inclusion {
			want := hexes(t, inc.Proof)
			got, err := InclusionProof(leaves, inc.Index)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("size %d leaf %d: proof length %d, vectors %d", tr.Size, inc.Index, len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("size %d leaf %d: proof[%d] differs from the vectors", tr.Size, inc.Index, i)
				}
			}
			if !VerifyInclusion(leaves[inc.Index], inc.Index, tr.LeafCount, want, root) {
				t.Fatalf("size %d leaf %d: vector proof does not verify", tr.Size, inc.Index)
			}
			if len(want) > 0 {
				bad := append([]Hash(nil), want...)
				bad[0][0] ^= 1
				if VerifyInclusion(leaves[inc.Index], inc.Index, tr.LeafCount, bad, root) {
					t.Fatalf("size %d leaf %d: a flipped proof hash verified", tr.Size, inc.Index)
				}
				other := (inc.Index + 1) % tr.LeafCount
				if leaves[other] != leaves[inc.Index] && VerifyInclusion(leaves[other], inc.Index, tr.LeafCount, want, root) {
					t.Fatalf("size %d leaf %d: another leaf verified at this index", tr.Size, inc.Index)
				}
			}
		}
	}
}

func TestProofVectorsArtifactFiles(t *testing.T) {
	v := loadProofVectors(t)
	var files []File
	for _, f := range v.Artifact.Files {
		files = append(files, File{Path: f.Path, Size: f.Size, Root: mustHex(t, f.Root)})
	}
	leaves, err := FileLeaves(files)
	if err != nil {
		t.Fatal(err)
	}
	root := mustHex(t, v.Artifact.ContentRoot)
	for _, f := range v.Artifact.Files {
		if !VerifyInclusion(leaves[f.Index], f.Index, uint64(len(leaves)), hexes(t, f.Proof), root) {
			t.Fatalf("file %s: proof does not verify against the content root", f.Path)
		}
	}
}
