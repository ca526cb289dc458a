package source

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/gohub/gohub/hub/store"
	"github.com/pkg/errors"
)

// CachedIndex is the last complete listing a source answered, kept in cache/index/ so
// that search and list --remote still work offline, and an install can still find the
// archive URL of a module when only the index server is down.
type CachedIndex struct {
	Source  string    `json:"source"`
	Fetched time.Time `json:"fetched"`
	Entries []Entry   `json:"entries"`
}

func indexCachePath(h store.Home, src Source) string {
	sum := sha256.Sum256([]byte(src.String()))
	return filepath.Join(h.CacheDir(), "index", hex.EncodeToString(sum[:8])+".json")
}

// SaveIndexCache records a listing; failing to cache never fails the command.
func SaveIndexCache(h store.Home, src Source, entries []Entry) {
	path := indexCachePath(h, src)
	data, err := json.MarshalIndent(CachedIndex{Source: src.String(), Fetched: time.Now().UTC(), Entries: entries}, "", "  ")
	if err != nil || os.MkdirAll(filepath.Dir(path), 0o755) != nil {
		return
	}
	_ = store.WriteFileAtomic(path, data) // best effort: the cache is an optimisation
}

// LoadIndexCache returns the cached listing of a source, or nil if there is none.
func LoadIndexCache(h store.Home, src Source) (*CachedIndex, error) {
	data, err := os.ReadFile(indexCachePath(h, src))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, errors.Wrap(err, "read the index cache")
	}
	var c CachedIndex
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, nil // a damaged cache is as good as none; the next listing rewrites it
	}
	for i := range c.Entries {
		c.Entries[i].Source = src.String()
	}
	return &c, nil
}
