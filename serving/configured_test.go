package serving

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServeFromConfigFile serves lac from PaddleHub's config file: init_args' version and
// user_dict, predict_args as every request's defaults, 1.x's status codes.
func TestServeFromConfigFile(t *testing.T) {
	h := installed(t, "lac")
	dict := filepath.Join(t.TempDir(), "user.dict")
	require.NoError(t, os.WriteFile(dict, []byte("好日子/GOOD\n"), 0o644))
	cfg, err := ParseConfig([]byte(`{"modules_info": {"lac": {
		"init_args": {"version": "2.1.2", "user_dict": ` + quote(dict) + `},
		"predict_args": {"return_tag": false, "batch_size": 1}}},
		"workers": 1, "legacy_status": true}`))
	require.NoError(t, err)
	ts := start(t, *cfg, h, nil)

	code, _, raw := ts.post(t, "/predict/lac", jsonType, `{"text": ["今天是个好日子"]}`)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, `{"msg":"","results":[{"word":["今天","是","个","好日子"]}],"status":"0"}`, raw)
	code, _, raw = ts.post(t, "/predict/lac", jsonType, `{"text": ["今天是个好日子"], "return_tag": true}`)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, `{"msg":"","results":[{"word":["今天","是","个","好日子"],"tag":["TIME","v","q","GOOD"]}],"status":"0"}`, raw)
	code, r, _ := ts.post(t, "/predict/ernie", jsonType, `{}`)
	assert.Equal(t, http.StatusNotFound, code)
	assert.Equal(t, "-1", r.Status)

	// A version other than the installed one, an init_args key gohub does not know.
	for init, want := range map[string]string{
		`{"version": "2.2.0"}`: "version 2.1.2 is installed, the config asks for 2.2.0",
		`{"use_gpu": true}`:    `init_args "use_gpu" is not supported`,
	} {
		cfg, err := ParseConfig([]byte(`{"modules_info": {"lac": {"init_args": ` + init + `}}}`))
		require.NoError(t, err)
		s, err := New(*cfg, WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), withHome(h))
		require.NoError(t, err)
		assert.ErrorContains(t, s.Load(context.Background(), nil), want)
		require.NoError(t, s.Shutdown(context.Background()))
	}
}

// TestReadyOnceLoaded: before Load the server is alive but not ready, and a configured
// module is "loading" rather than unknown.
func TestReadyOnceLoaded(t *testing.T) {
	h := installed(t, "lac")
	s, err := New(lacConfig(nil), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), withHome(h))
	require.NoError(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ts := &testServer{Server: s, url: "http://" + l.Addr().String(), served: make(chan error, 1)}
	go func() { ts.served <- s.Serve(l) }()
	t.Cleanup(func() { ts.shutdown(t) })

	code, _ := ts.get(t, "/healthz")
	assert.Equal(t, http.StatusOK, code)
	code, _ = ts.get(t, "/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	code, r, _ := ts.post(t, "/predict/lac", jsonType, `{"text": ["好"]}`)
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, StatusNoModule, r.Status)
	assert.Equal(t, "Module lac is loading.", r.Msg)
	_, metrics := ts.get(t, "/metrics")
	assert.Contains(t, metrics, "gohub_serving_ready 0")

	var loaded []string
	require.NoError(t, s.Load(context.Background(), func(name, version string) { loaded = append(loaded, name+" == "+version) }))
	assert.Equal(t, []string{"lac == 2.1.2"}, loaded)
	code, _ = ts.get(t, "/readyz")
	assert.Equal(t, http.StatusOK, code)
	code, _, _ = ts.post(t, "/predict/lac", jsonType, `{"text": ["好"]}`)
	assert.Equal(t, http.StatusOK, code)
}
