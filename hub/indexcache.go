package hub

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/pkg/errors"
)

// cachedIndex is the last complete listing a source answered, kept in cache/index/ so
// that search and list --remote still work offline, and an install can still find the
// archive URL of a module when only the index server is down.
type cachedIndex struct {
	Source  string    `json:"source"`
	Fetched time.Time `json:"fetched"`
	Entries []Entry   `json:"entries"`
}

func (h Home) indexCachePath(src source) string {
	sum := sha256.Sum256([]byte(src.String()))
	return filepath.Join(h.CacheDir(), "index", hex.EncodeToString(sum[:8])+".json")
}

// saveIndexCache records a listing; failing to cache never fails the command.
func (h Home) saveIndexCache(src source, entries []Entry) {
	path := h.indexCachePath(src)
	data, err := json.MarshalIndent(cachedIndex{Source: src.String(), Fetched: time.Now().UTC(), Entries: entries}, "", "  ")
	if err != nil || os.MkdirAll(filepath.Dir(path), 0o755) != nil {
		return
	}
	_ = writeFileAtomic(path, data) // best effort: the cache is an optimisation
}

// loadIndexCache returns the cached listing of a source, or nil if there is none.
func (h Home) loadIndexCache(src source) (*cachedIndex, error) {
	data, err := os.ReadFile(h.indexCachePath(src))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, errors.Wrap(err, "read the index cache")
	}
	var c cachedIndex
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, nil // a damaged cache is as good as none; the next listing rewrites it
	}
	for i := range c.Entries {
		c.Entries[i].Source = src.String()
	}
	return &c, nil
}
