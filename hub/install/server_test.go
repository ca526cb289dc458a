package install

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gohub/gohub/hub/internal/fixture"
	"github.com/gohub/gohub/hub/progress"
	"github.com/gohub/gohub/hub/source"
	"github.com/gohub/gohub/hub/store"
	"github.com/stretchr/testify/require"
)

// The replies of PaddleHub's server protocol, as the server writes them.
type (
	phSearchReply struct {
		Status int              `json:"status"`
		Msg    string           `json:"msg"`
		Data   []phSearchResult `json:"data"`
	}
	phSearchResult struct {
		Name    string `json:"name"`
		Type    string `json:"type"`
		Version string `json:"version"`
		Summary string `json:"summary"`
		URL     string `json:"url"`
		MD5     string `json:"md5"`
	}
	phInfoReply struct {
		Status int `json:"status"`
		Data   struct {
			Info []struct {
				Version string `json:"version"`
			} `json:"info"`
		} `json:"data"`
	}
)

// testServer serves module archives, a static index and PaddleHub's /search and /info,
// and can misbehave on purpose.
type testServer struct {
	*httptest.Server
	t        *testing.T
	mu       sync.Mutex
	archives map[string][]byte // path (e.g. "/files/demo-1.0.0.tar.gz") -> content
	index    []source.Entry    // served at /index.json, URLs relative
	ph       []phSearchResult  // served at /search
	status   map[string]int    // path -> forced status
	hang     map[string]bool   // path -> never answer
	drop     map[string]int    // path -> drop the connection after this many bytes, once
	requests []string          // "GET /path Range"
}

func newTestServer(t *testing.T) *testServer {
	s := &testServer{t: t, archives: map[string][]byte{}, status: map[string]int{}, hang: map[string]bool{}, drop: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// addArchive builds a tar.gz from files and serves it at /files/name.
func (s *testServer) addArchive(name string, fs map[string]string) (path string, data []byte) {
	p := fixture.WriteTarGz(s.t, filepath.Join(s.t.TempDir(), name), fixture.Entries(fs))
	data, err := os.ReadFile(p)
	require.NoError(s.t, err)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.archives["/files/"+name] = data
	return "/files/" + name, data
}

// indexModule lists an archive in the static index with its true digest.
func (s *testServer) indexModule(name, version, file string, data []byte) {
	sum := sha256.Sum256(data)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.index = append(s.index, source.Entry{Name: name, Version: version, Kind: "image_classification", Summary: "test " + name,
		URL: "files/" + file, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))})
}

// phModule lists an archive on the PaddleHub-protocol endpoint with its true MD5.
func (s *testServer) phModule(name, version, file string, data []byte) {
	sum := md5.Sum(data)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ph = append(s.ph, phSearchResult{Name: name, Type: "Module", Version: version, Summary: "test " + name,
		URL: s.URL + "/files/" + file, MD5: hex.EncodeToString(sum[:])})
}

func (s *testServer) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *testServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, strings.TrimSpace(r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("Range")))
	status, hang := s.status[r.URL.Path], s.hang[r.URL.Path]
	dropAt, drop := s.drop[r.URL.Path]
	if drop {
		delete(s.drop, r.URL.Path)
	}
	data, isArchive := s.archives[r.URL.Path]
	index, ph := append([]source.Entry{}, s.index...), append([]phSearchResult{}, s.ph...)
	s.mu.Unlock()
	switch {
	case hang:
		<-r.Context().Done()
	case status != 0:
		http.Error(w, http.StatusText(status), status)
	case drop && isArchive:
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(http.StatusOK)
		w.Write(data[:dropAt])
		rc := http.NewResponseController(w)
		rc.Flush()
		if conn, _, err := rc.Hijack(); err == nil {
			conn.Close()
		}
	case isArchive:
		http.ServeContent(w, r, r.URL.Path, time.Time{}, bytes.NewReader(data))
	case r.URL.Path == "/index.json":
		writeJSON(w, source.Index{Format: source.IndexFormat, Modules: index})
	case r.URL.Path == "/search":
		search(w, r, ph)
	case r.URL.Path == "/info":
		var info phInfoReply
		for _, e := range ph {
			if e.Name == r.URL.Query().Get("name") {
				info.Data.Info = append(info.Data.Info, struct {
					Version string `json:"version"`
				}{e.Version})
			}
		}
		writeJSON(w, info)
	default:
		http.NotFound(w, r)
	}
}

// search answers like PaddleHub's /search: word is matched inside names.
func search(w http.ResponseWriter, r *http.Request, ph []phSearchResult) {
	q := r.URL.Query()
	reply := phSearchReply{Data: []phSearchResult{}}
	for _, e := range ph {
		if strings.Contains(e.Name, q.Get("word")) && (q.Get("version") == "" || q.Get("version") == e.Version) {
			reply.Data = append(reply.Data, e)
		}
	}
	writeJSON(w, reply)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// closedURL is an http URL on which nothing listens: connections are refused at once.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/paddlehub"
}

// syncBuffer collects log lines from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newInstaller returns an installer on a fresh home with a short timeout and no pip.
func newInstaller(t *testing.T, servers ...string) (*Installer, *syncBuffer) {
	log := &syncBuffer{}
	return &Installer{Home: store.Home{Root: t.TempDir()}, Servers: servers, Progress: progress.Lines(log), Timeout: 300 * time.Millisecond}, log
}
