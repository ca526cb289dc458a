package source

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gohub/gohub/hub/store"
	"github.com/gohub/gohub/internal/settings"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfig(t *testing.T) {
	h := store.Home{Root: t.TempDir()}
	c, err := LoadConfig(h)
	require.NoError(t, err)
	assert.Equal(t, DefaultConfig(), c, "no file means the defaults")

	require.NoError(t, SaveConfig(h, Config{Servers: []string{"http://a/hub", "https://b/index.json"}}))
	c, err = LoadConfig(h)
	require.NoError(t, err)
	assert.Equal(t, []string{"http://a/hub", "https://b/index.json"}, c.EffectiveServers())
	t.Setenv(settings.Server.Name, "http://x/hub; http://y/i.json")
	assert.Equal(t, []string{"http://x/hub", "http://y/i.json"}, c.EffectiveServers())

	assert.Error(t, SaveConfig(h, Config{Servers: []string{"ftp://a"}}))
	require.NoError(t, os.WriteFile(h.ConfigPath(), []byte("servers: [unclosed"), 0o644))
	_, err = LoadConfig(h)
	assert.ErrorContains(t, err, "gohub config reset")
}

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	p := newProgressBar(&buf, "Downloading x.tar.gz", 4<<20, 1<<20)
	p.start = p.start.Add(-time.Second)
	_, err := p.Write(make([]byte, 1<<20))
	require.NoError(t, err)
	p.finish()
	out := buf.String()
	assert.True(t, strings.HasPrefix(out, "\rDownloading x.tar.gz ["), out)
	assert.Contains(t, out, "2.0 MiB/4.0 MiB")
	assert.Contains(t, out, "/s ETA ")
	assert.True(t, strings.HasSuffix(out, "\n"))
	assert.Equal(t, "61.8 MiB", HumanBytes(64_800_000))
	assert.Equal(t, "512 B", HumanBytes(512))
}

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"1.10.0", "1.9.2", 1}, {"1.9", "1.10", -1}, {"2.2.0", "2.2.0", 0}, {"1.0", "1.0.1", -1}, {"1.0.1", "1.0", 1}} {
		assert.Equal(t, tc.want, CompareVersions(tc.a, tc.b), "%s vs %s", tc.a, tc.b)
	}
}
