package modpost

import (
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/rules-fips140/rules_fips140/tools/internal/atomicfile"
)

// ReadResult is the outcome of reading one object file.
type ReadResult struct {
	Object *Object
	Err    error
}

// ReadObjectFiles reads the objects at those paths that end in suffix,
// concurrently, with up to GOMAXPROCS files in flight. It returns one
// result per path, in order (the zero result for a path without suffix),
// so that callers report problems in the order of the paths.
func ReadObjectFiles(paths []string, suffix string) []ReadResult {
	results := make([]ReadResult, len(paths))
	forEach(len(paths), func(i int) {
		if strings.HasSuffix(paths[i], suffix) {
			results[i].Object, results[i].Err = ReadObjectFile(paths[i])
		}
	})
	return results
}

// WriteModCFiles writes the .mod.c files concurrently, each to a temporary
// file renamed into place. It returns the error of the first file, in
// order, that failed.
func WriteModCFiles(files []ModC) error {
	errs := make([]error, len(files))
	forEach(len(files), func(i int) {
		errs[i] = atomicfile.WriteBytes(files[i].Path, files[i].Content)
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// forEach calls f(0) ... f(n-1) on up to GOMAXPROCS goroutines, each
// taking the next index in turn, and returns when all calls have returned.
func forEach(n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		})
	}
	wg.Wait()
}
