package install

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gohub/gohub/hub/source"
	"github.com/gohub/gohub/hub/store"
)

// Listing is what the remote sources offer, with notes about sources that answered from
// the cache or not at all.
type Listing struct {
	Entries []source.Entry
	Notes   []string
}

// Remote lists every module version of every source, asking them in parallel so that
// dead sources cost one timeout in all. A source that cannot be reached contributes its
// last good listing from the cache.
func (in *Installer) Remote(ctx context.Context) (*Listing, error) {
	srcs, err := in.sources()
	if err != nil {
		return nil, err
	}
	results := make([][]source.Entry, len(srcs))
	errs := make([]error, len(srcs))
	var wg sync.WaitGroup
	for i, src := range srcs {
		wg.Go(func() { results[i], errs[i] = src.List(ctx) })
	}
	wg.Wait()

	l := &Listing{}
	var failures []error
	seen := map[string]bool{}
	for i, src := range srcs {
		entries := results[i]
		if errs[i] == nil {
			source.SaveIndexCache(in.Home, src, entries)
		} else if c, _ := source.LoadIndexCache(in.Home, src); c != nil {
			l.Notes = append(l.Notes, src.String()+": "+errs[i].Error()+"; showing its index cached on "+c.Fetched.Format(time.RFC3339))
			entries = c.Entries
		} else {
			l.Notes = append(l.Notes, src.String()+": "+errs[i].Error())
			failures = append(failures, &source.SourceError{Source: src.String(), Err: errs[i]})
			continue
		}
		for _, e := range entries {
			key := store.NormalizeName(e.Name) + "==" + e.Version
			if !seen[key] {
				seen[key] = true
				l.Entries = append(l.Entries, e)
			}
		}
	}
	if len(failures) == len(srcs) && len(srcs) > 0 {
		return nil, &NoSourceError{Errs: failures}
	}
	sort.SliceStable(l.Entries, func(i, j int) bool {
		a, b := l.Entries[i], l.Entries[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return source.CompareVersions(a.Version, b.Version) > 0
	})
	return l, nil
}

// Search lists the remote modules whose name matches keyword, a case-insensitive regular
// expression (as in PaddleHub) or, if it is not a valid one, a plain substring; the
// summary is searched too. An empty keyword matches everything.
func (in *Installer) Search(ctx context.Context, keyword string) (*Listing, error) {
	l, err := in.Remote(ctx)
	if err != nil {
		return nil, err
	}
	match := func(s string) bool { return strings.Contains(strings.ToLower(s), strings.ToLower(keyword)) }
	if re, err := regexp.Compile("(?i)" + keyword); err == nil {
		match = re.MatchString
	}
	var out []source.Entry
	for _, e := range l.Entries {
		if match(e.Name) || match(e.Summary) {
			out = append(out, e)
		}
	}
	l.Entries = out
	return l, nil
}

// NoSourceError: no remote source answered and none has a cached listing.
type NoSourceError struct{ Errs []error }

func (e *NoSourceError) Error() string {
	var b strings.Builder
	b.WriteString("no module source answered, and none has a cached index:")
	for _, err := range e.Errs {
		b.WriteString("\n  - " + err.Error())
	}
	b.WriteString("\nCheck the network, or point gohub at a reachable source: gohub config set server URL (or GOHUB_SERVER)")
	return b.String()
}
