package source

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gohub/gohub/hub/store"
	"github.com/pkg/errors"
)

// Entry is one version of a module that a remote source offers.
type Entry struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Kind    string `json:"kind,omitempty"`
	Summary string `json:"summary,omitempty"`
	URL     string `json:"url"`
	SHA256  string `json:"sha256,omitempty"`
	MD5     string `json:"md5,omitempty"`
	Size    int64  `json:"size,omitempty"`
	// Source is the source that offered the entry, for messages; not part of an index.
	Source string `json:"-"`
}

// Digest is what the entry lets gohub verify.
func (e Entry) Digest() store.Digest { return store.Digest{SHA256: e.SHA256, MD5: e.MD5} }

// Source is a remote catalogue of modules.
type Source interface {
	String() string
	// List returns every module version the source offers.
	List(ctx context.Context) ([]Entry, error)
	// Find returns the versions of one module; version "" means all of them.
	Find(ctx context.Context, name, version string) ([]Entry, error)
}

// NotFound builds the error for a source without the module, listing the versions it
// has when a specific one was asked.
func NotFound(ctx context.Context, src Source, name, version string) error {
	nf := &NotFoundError{Name: name, Version: version}
	if version == "" {
		return nf
	}
	if ph, ok := src.(*paddleHubServer); ok {
		nf.Available, _ = ph.versions(ctx, name)
	} else if all, err := src.Find(ctx, name, ""); err == nil {
		for _, e := range all {
			nf.Available = append(nf.Available, e.Version)
		}
	}
	return nf
}

// SourceError is one source's failure, reported next to the others'.
type SourceError struct {
	Source string
	Err    error
}

func (e *SourceError) Error() string { return e.Source + ": " + e.Err.Error() }

func (e *SourceError) Unwrap() error { return e.Err }

// FromServers builds the sources for a list of server URLs.
func FromServers(servers []string, c *http.Client, timeout time.Duration) ([]Source, error) {
	var out []Source
	for _, s := range servers {
		u, err := parseServerURL(s)
		if err != nil {
			return nil, err
		}
		if isStaticIndex(u) {
			out = append(out, &staticIndex{url: u.String(), client: c, timeout: timeout})
		} else {
			out = append(out, &paddleHubServer{base: strings.TrimRight(u.String(), "/"), client: c, timeout: timeout})
		}
	}
	return out, nil
}

// maxIndexBytes bounds an index or server answer read into memory.
const maxIndexBytes = 64 << 20

// getJSON fetches and decodes a JSON document, bounded by the timeout between bytes.
func getJSON(ctx context.Context, c *http.Client, timeout time.Duration, rawURL string, v any) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	resp, err := httpGet(ctx, c, timeout, rawURL, nil, http.StatusOK)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body := newIdleReader(resp.Body, timeout, cancel)
	defer body.stop()
	data, err := io.ReadAll(io.LimitReader(body, maxIndexBytes))
	if err != nil {
		return &UnreachableError{URL: redact(rawURL), Timeout: timeout, Err: unwrapURLError(err)}
	}
	if err := json.Unmarshal(data, v); err != nil {
		return errors.Wrapf(err, "%s did not answer valid JSON", redact(rawURL))
	}
	return nil
}

// MatchName compares module names the way PaddleHub does: case-insensitively, with '-'
// and '_' equivalent.
func MatchName(a, b string) bool {
	return strings.EqualFold(store.NormalizeName(a), store.NormalizeName(b))
}

// FilterEntries keeps the entries of one module, and of one version when given.
func FilterEntries(entries []Entry, name, version string) []Entry {
	var out []Entry
	for _, e := range entries {
		if MatchName(e.Name, name) && (version == "" || e.Version == version) {
			out = append(out, e)
		}
	}
	return out
}
