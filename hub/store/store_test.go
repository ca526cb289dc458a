package store

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCommitReplacesAtomically(t *testing.T) {
	h := Home{Root: t.TempDir()}
	require.NoError(t, h.Ensure())
	for _, v := range []string{"1.0.0", "2.0.0"} {
		stage, err := h.StagingDir()
		require.NoError(t, err)
		m := lacManifest()
		m.Version = v
		require.NoError(t, m.Save(stage))
		require.NoError(t, h.Commit(stage, m))
		assert.NoDirExists(t, stage)
	}
	cur, err := h.Lookup("lac")
	require.NoError(t, err)
	assert.Equal(t, "2.0.0", cur.Manifest.Version)
}
