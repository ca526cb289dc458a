package source

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pkg/errors"
)

// paddleHubServer speaks PaddleHub's registry protocol (reference/paddlehub.md §2.4):
// GET {base}/search and GET {base}/info, answering {"status": 0, "data": ...}.
type paddleHubServer struct {
	base    string
	client  *http.Client
	timeout time.Duration
}

// The server filters modules by the client's versions. gohub presents itself as
// PaddleHub 1.8 on Paddle 1.8: the modules offered then are Fluid inference models, the
// format gohub's library loads.
const (
	claimHubVersion    = "1.8.0"
	claimPaddleVersion = "1.8.0"
)

func (s *paddleHubServer) String() string { return "PaddleHub server " + s.base }

type phSearchReply struct {
	Status int              `json:"status"`
	Msg    string           `json:"msg"`
	Data   []phSearchResult `json:"data"`
}

type phSearchResult struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Version string `json:"version"`
	Summary string `json:"summary"`
	URL     string `json:"url"`
	MD5     string `json:"md5"`
}

func (s *paddleHubServer) List(ctx context.Context) ([]Entry, error) {
	return s.search(ctx, url.Values{})
}

func (s *paddleHubServer) Find(ctx context.Context, name, version string) ([]Entry, error) {
	q := url.Values{"word": {name}, "type": {"Module"}}
	if version != "" {
		q.Set("version", version)
	}
	entries, err := s.search(ctx, q)
	if err != nil {
		return nil, err
	}
	return FilterEntries(entries, name, version), nil
}

func (s *paddleHubServer) search(ctx context.Context, q url.Values) ([]Entry, error) {
	q.Set("hub_version", claimHubVersion)
	q.Set("paddle_version", claimPaddleVersion)
	var reply phSearchReply
	if err := getJSON(ctx, s.client, s.timeout, s.base+"/search?"+q.Encode(), &reply); err != nil {
		return nil, err
	}
	if reply.Status != 0 {
		return nil, errors.Errorf("%s/search failed: status %d %s", s.base, reply.Status, reply.Msg)
	}
	var out []Entry
	for _, r := range reply.Data {
		// The registry also lists "Model" resources (bare weights); only modules install.
		if r.Type != "" && !strings.EqualFold(r.Type, "module") {
			continue
		}
		out = append(out, Entry{Name: r.Name, Version: r.Version, Summary: r.Summary, URL: r.URL, MD5: r.MD5, Source: s.String()})
	}
	return out, nil
}

type phInfoReply struct {
	Status int `json:"status"`
	Data   struct {
		Info []struct {
			Version string `json:"version"`
		} `json:"info"`
	} `json:"data"`
}

// versions asks /info which versions of a module exist, whatever the client's versions.
func (s *paddleHubServer) versions(ctx context.Context, name string) ([]string, error) {
	var reply phInfoReply
	if err := getJSON(ctx, s.client, s.timeout, s.base+"/info?name="+url.QueryEscape(name), &reply); err != nil {
		return nil, err
	}
	if reply.Status != 0 {
		return nil, errors.Errorf("%s/info failed: status %s", s.base, strconv.Itoa(reply.Status))
	}
	var out []string
	for _, i := range reply.Data.Info {
		out = append(out, i.Version)
	}
	return out, nil
}
