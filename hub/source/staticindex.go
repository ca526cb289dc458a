package source

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/pkg/errors"
)

// IndexFormat identifies a gohub static index. Any web server can host one: index.json
// next to the module archives it lists (write it with `gohub index build DIR`).
const IndexFormat = "gohub-index/1"

// IndexFile is the name `gohub index build` writes.
const IndexFile = "index.json"

// Index is a static index document.
type Index struct {
	Format    string  `json:"format"`
	Generated string  `json:"generated,omitempty"`
	Modules   []Entry `json:"modules"`
}

type staticIndex struct {
	url     string
	client  *http.Client
	timeout time.Duration
}

func (s *staticIndex) String() string { return "index " + redact(s.url) }

func (s *staticIndex) List(ctx context.Context) ([]Entry, error) {
	var idx Index
	if err := getJSON(ctx, s.client, s.timeout, s.url, &idx); err != nil {
		return nil, err
	}
	if idx.Format != IndexFormat {
		return nil, errors.Errorf("%s is not a gohub index (format %q, want %q)", redact(s.url), idx.Format, IndexFormat)
	}
	base, err := url.Parse(s.url)
	if err != nil {
		return nil, errors.Wrap(err, "index URL")
	}
	out := make([]Entry, 0, len(idx.Modules))
	for _, e := range idx.Modules {
		// Archive URLs may be relative to the index, so a folder can move as a whole.
		ref, err := url.Parse(e.URL)
		if err != nil || e.Name == "" || e.Version == "" {
			return nil, errors.Errorf("%s: bad entry %q %q", redact(s.url), e.Name, e.URL)
		}
		e.URL = base.ResolveReference(ref).String()
		e.Source = s.String()
		out = append(out, e)
	}
	return out, nil
}

func (s *staticIndex) Find(ctx context.Context, name, version string) ([]Entry, error) {
	entries, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	return FilterEntries(entries, name, version), nil
}
