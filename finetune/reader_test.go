package finetune

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/readers/imgbatch"
)

// ReaderOptions.CacheBytes reaches the reader's picture cache: the default when 0, a budget
// of its own, or none.
func TestNewReaderPictureCacheBudget(t *testing.T) {
	module := shufflenetContext(t, false)
	for _, c := range []struct {
		option, budget int64
	}{{0, imgbatch.DefaultCacheBytes}, {64 << 20, 64 << 20}, {imgbatch.NoCache, 0}} {
		r, err := NewReader(module, ReaderOptions{CacheBytes: c.option})
		require.NoError(t, err)
		require.Equal(t, c.budget, r.CacheStats().Budget, "CacheBytes %d", c.option)
	}
}
