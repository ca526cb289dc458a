package source

import (
	"os"
	"testing"

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

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"1.10.0", "1.9.2", 1}, {"1.9", "1.10", -1}, {"2.2.0", "2.2.0", 0}, {"1.0", "1.0.1", -1}, {"1.0.1", "1.0", 1}} {
		assert.Equal(t, tc.want, CompareVersions(tc.a, tc.b), "%s vs %s", tc.a, tc.b)
	}
}
