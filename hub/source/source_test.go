package source

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/hub/progress"
	"github.com/gohub/gohub/hub/store"
)

// A static index answers Find with the versions of one module, URLs made absolute; the
// Downloader fetches an entry's archive, verifies it, and reports its progress as events.
func TestStaticIndexAndDownload(t *testing.T) {
	archive := bytes.Repeat([]byte("module bytes "), 1000)
	sum := sha256.Sum256(archive)
	mux := http.NewServeMux()
	mux.HandleFunc("/index.json", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(Index{Format: IndexFormat, Modules: []Entry{
			{Name: "demo", Version: "1.0.0", URL: "demo-1.0.0.tar.gz", SHA256: hex.EncodeToString(sum[:])},
			{Name: "demo", Version: "1.10.0", URL: "demo-1.10.0.tar.gz"},
			{Name: "other", Version: "0.1.0", URL: "other-0.1.0.tar.gz"},
		}})
	})
	mux.HandleFunc("/demo-1.0.0.tar.gz", func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "demo.tar.gz", time.Time{}, bytes.NewReader(archive))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	client := NewHTTPClient(time.Second)
	srcs, err := FromServers([]string{srv.URL + "/index.json"}, client, time.Second)
	require.NoError(t, err)
	require.Len(t, srcs, 1)
	found, err := srcs[0].Find(context.Background(), "demo", "")
	require.NoError(t, err)
	require.Len(t, found, 2)
	assert.Equal(t, "1.10.0", Latest(found).Version, "versions compare by number")
	e, err := srcs[0].Find(context.Background(), "demo", "1.0.0")
	require.NoError(t, err)
	require.Len(t, e, 1)
	assert.Equal(t, srv.URL+"/demo-1.0.0.tar.gz", e[0].URL)

	var events []progress.Event
	d := &Downloader{Client: client, Timeout: time.Second, Dir: t.TempDir(), Retries: 1,
		Progress: func(ev progress.Event) { events = append(events, ev) }}
	path, err := d.Fetch(context.Background(), e[0].URL, e[0].Digest())
	require.NoError(t, err)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, archive, got)
	require.GreaterOrEqual(t, len(events), 3)
	assert.Equal(t, progress.DownloadStart{Name: "demo-1.0.0.tar.gz", Host: e[0].URL[len("http://"):len(srv.URL)], Total: int64(len(archive))}, events[0])
	assert.IsType(t, progress.DownloadProgress{}, events[1])
	assert.Equal(t, progress.DownloadEnd{Name: "demo-1.0.0.tar.gz", Done: int64(len(archive)), Total: int64(len(archive))}, events[len(events)-1])

	_, err = d.Fetch(context.Background(), e[0].URL, store.Digest{SHA256: "00"})
	var mismatch *store.ChecksumError
	assert.ErrorAs(t, err, &mismatch, "a download that does not match its digest is refused")
}
