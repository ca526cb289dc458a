package hub

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInstallWaitsForTheLock(t *testing.T) {
	in, log := newInstaller(t)
	lock, err := in.Home.Lock(context.Background(), nil)
	require.NoError(t, err)
	archive := WriteTarGz(t, filepath.Join(t.TempDir(), "m.tar.gz"), Entries(ModuleFiles("m/", "m", "1.0.0")))
	done := make(chan error, 1)
	go func() {
		_, err := in.Install(testCtx, archive)
		done <- err
	}()
	require.Eventually(t, func() bool { return strings.Contains(log.String(), "Waiting for another gohub process") },
		5*time.Second, 10*time.Millisecond)
	select {
	case <-done:
		t.Fatal("installed while another process held the lock")
	case <-time.After(200 * time.Millisecond):
	}
	lock.Unlock()
	require.NoError(t, <-done)

	// A waiting process gives up when its context ends (Ctrl-C).
	lock, err = in.Home.Lock(context.Background(), nil)
	require.NoError(t, err)
	defer lock.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = in.Home.Lock(ctx, nil)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestTimeoutFromEnvironment(t *testing.T) {
	for env, want := range map[string]time.Duration{"": DefaultTimeout, "500ms": 500 * time.Millisecond, "2": 2 * time.Second, "0.25": 250 * time.Millisecond} {
		t.Setenv(EnvTimeout, env)
		got, err := Timeout()
		require.NoError(t, err, env)
		assert.Equal(t, want, got, env)
	}
	for _, bad := range []string{"soon", "-1s", "0"} {
		t.Setenv(EnvTimeout, bad)
		_, err := Timeout()
		assert.Error(t, err, bad)
	}
}

func TestConfig(t *testing.T) {
	h := Home{Root: t.TempDir()}
	c, err := LoadConfig(h)
	require.NoError(t, err)
	assert.Equal(t, DefaultConfig(), c, "no file means the defaults")

	require.NoError(t, SaveConfig(h, Config{Servers: []string{"http://a/hub", "https://b/index.json"}}))
	c, err = LoadConfig(h)
	require.NoError(t, err)
	assert.Equal(t, []string{"http://a/hub", "https://b/index.json"}, c.EffectiveServers())
	t.Setenv(EnvServer, "http://x/hub; http://y/i.json")
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

func TestDiskFullError(t *testing.T) {
	err := CheckDiskFull(&os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}, "x")
	var full *DiskFullError
	require.ErrorAs(t, err, &full)
	assert.ErrorIs(t, err, syscall.ENOSPC)
	assert.Nil(t, CheckDiskFull(nil, "x"))
}
