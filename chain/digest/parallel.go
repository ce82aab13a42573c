package digest

import (
	"errors"
	"io"
	"os"
	"runtime"
	"sync"
)

// parallelThreshold is the file size from which FileRootFromPath hashes leaves on several cores.
const parallelThreshold = 64 << 20

// FileRootParallel computes the file root of the size bytes readable from r, hashing the 4 KiB leaves on
// workers goroutines (runtime.NumCPU() when workers <= 0). It holds one 32-byte hash per leaf (0.8% of the
// file size) and gives the same result as FileRoot.
func FileRootParallel(r io.ReaderAt, size int64, workers int) (Hash, error) {
	if size < 0 {
		return Hash{}, errors.New("digest: negative size")
	}
	n := int64(LeafCount(uint64(size)))
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	if int64(workers) > n {
		workers = int(n)
	}
	leaves := make([]Hash, n)
	// contiguous blocks of leaves per worker: sequential reads within a block
	per := (n + int64(workers) - 1) / int64(workers)
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := 0; w < workers; w++ {
		lo, hi := int64(w)*per, min(int64(w+1)*per, n)
		if lo >= hi {
			continue
		}
		wg.Add(1)
		go func(w int, lo, hi int64) {
			defer wg.Done()
			buf := make([]byte, LeafSize)
			for i := lo; i < hi; i++ {
				off := i * LeafSize
				want := min(int64(LeafSize), size-off)
				if want < 0 {
					want = 0
				}
				got, err := r.ReadAt(buf[:want], off)
				if int64(got) != want {
					if err == nil || err == io.EOF {
						err = io.ErrUnexpectedEOF
					}
					errs[w] = err
					return
				}
				leaves[i] = LeafHash(buf[:want])
			}
		}(w, lo, hi)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return Hash{}, err
		}
	}
	return MerkleRoot(leaves)
}

// fileRootOfFile hashes an open file, in parallel when it is large.
func fileRootOfFile(f *os.File) (Hash, uint64, error) {
	st, err := f.Stat()
	if err != nil {
		return Hash{}, 0, err
	}
	if st.Mode().IsRegular() && st.Size() >= parallelThreshold && runtime.NumCPU() > 1 {
		root, err := FileRootParallel(f, st.Size(), 0)
		return root, uint64(st.Size()), err
	}
	return FileRoot(f)
}
