package install

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gohub/gohub/hub/internal/fixture"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInstallWaitsForTheLock(t *testing.T) {
	in, log := newInstaller(t)
	lock, err := in.Home.Lock(context.Background(), nil)
	require.NoError(t, err)
	archive := fixture.WriteTarGz(t, filepath.Join(t.TempDir(), "m.tar.gz"), fixture.Entries(fixture.ModuleFiles("m/", "m", "1.0.0")))
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
