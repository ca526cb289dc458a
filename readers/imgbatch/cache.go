package imgbatch

import (
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gohub/gohub/readers/picture"
)

// DefaultCacheBytes is the decoded-picture cache's budget when Config.CacheBytes is 0: 1 GiB
// holds about 7,100 pictures at 224×224 (150 KB each), catdog's 2,400 with room to spare.
const DefaultCacheBytes = 1 << 30

// NoCache as Config.CacheBytes turns the decoded-picture cache off.
const NoCache = -1

// cache keeps pictures after the recipe's geometry (resize, crop), before augmentation and
// normalisation, by path. It only ever adds: once the budget is spent, the pictures that do
// not fit are decoded every time. An epoch visits every picture once, so evicting the least
// recently used one would make every visit a miss as soon as the set outgrows the budget;
// keeping the first ones gives a budget's worth of hits in every epoch.
//
// An entry remembers its file's size and modification time and is used only while the file
// still has them, so that a picture rewritten between two predictions is decoded afresh.
type cache struct {
	budget int64

	mu      sync.RWMutex
	entries map[string]cacheEntry
	used    int64

	hits, misses atomic.Int64
}

type cacheEntry struct {
	size int64
	mod  time.Time
	im   *picture.Image // shared by every reader of the entry: never written
}

// CacheStats describe a reader's decoded-picture cache.
type CacheStats struct {
	Pictures int   // pictures held
	Bytes    int64 // their pixels
	Budget   int64 // the most it holds; 0 when the cache is off
	Hits     int64 // pictures served without decoding
	Misses   int64 // pictures decoded (while the cache is on)
}

func newCache(budget int64) *cache {
	if budget <= 0 {
		return nil
	}
	return &cache{budget: budget, entries: map[string]cacheEntry{}}
}

// get returns path's picture when it is held and the file is unchanged; fi is the file's
// stat, for put.
func (c *cache) get(path string) (im *picture.Image, fi os.FileInfo) {
	fi, err := os.Stat(path)
	if err != nil {
		c.misses.Add(1)
		return nil, nil // the decoder reports the problem with the file
	}
	c.mu.RLock()
	e, ok := c.entries[path]
	c.mu.RUnlock()
	if ok && e.size == fi.Size() && e.mod.Equal(fi.ModTime()) {
		c.hits.Add(1)
		return e.im, fi
	}
	c.misses.Add(1)
	return nil, fi
}

// put keeps im for path, replacing a stale entry, when the budget allows it, and reports
// whether it did (im is then shared). fi is the stat taken before the file was read: if the
// file changed since, the next get misses.
func (c *cache) put(path string, fi os.FileInfo, im *picture.Image) bool {
	if c == nil || fi == nil {
		return false
	}
	n := int64(len(im.Pix))
	c.mu.Lock()
	defer c.mu.Unlock()
	old, had := c.entries[path]
	if had {
		c.used -= int64(len(old.im.Pix))
		delete(c.entries, path)
	}
	if c.used+n > c.budget {
		return false
	}
	c.entries[path] = cacheEntry{size: fi.Size(), mod: fi.ModTime(), im: im}
	c.used += n
	return true
}

func (c *cache) stats() CacheStats {
	if c == nil {
		return CacheStats{}
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return CacheStats{Pictures: len(c.entries), Bytes: c.used, Budget: c.budget,
		Hits: c.hits.Load(), Misses: c.misses.Load()}
}

// clonePicture is a copy of im that a transform may change.
func clonePicture(im *picture.Image) *picture.Image {
	return &picture.Image{Width: im.Width, Height: im.Height, Pix: append([]uint8(nil), im.Pix...)}
}
