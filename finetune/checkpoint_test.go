package finetune

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The bytes PaddleHub 1.8.3's own checkpoint_pb2.CheckPoint serializes for these values
// (current_epoch=3, global_step=129, latest_model_dir="ckpt/step_129", best_score=0.985).
const paddleHubMeta = "08031081011a0d636b70742f737465705f3132392185eb51b81e85ef3f"

func TestMetaIsPaddleHubsCheckPoint(t *testing.T) {
	m := meta{CurrentEpoch: 3, GlobalStep: 129, LatestModelDir: "ckpt/step_129", BestScore: 0.985}
	require.Equal(t, paddleHubMeta, hex.EncodeToString(m.encode()))
	b, _ := hex.DecodeString(paddleHubMeta)
	got, err := decodeMeta(b)
	require.NoError(t, err)
	require.Equal(t, m, got)
	_, err = decodeMeta(b[:len(b)-3])
	require.Error(t, err, "a truncated file is an error, not a zero checkpoint")
}

func TestPruneStepDirsKeepsNewestAndLatest(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"step_2", "step_10", "step_9", "step_1", "other"} {
		require.NoError(t, os.Mkdir(filepath.Join(dir, n), 0o755))
	}
	require.NoError(t, pruneStepDirs(dir, 2, "step_1"))
	left, err := stepDirs(dir)
	require.NoError(t, err)
	require.Equal(t, []string{"step_1", "step_9", "step_10"}, left, "numeric order; the latest is never removed")
	require.DirExists(t, filepath.Join(dir, "other"))
}

func TestReplaceDirSwapsWholeDirectories(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "best_model")
	for _, content := range []string{"one", "two"} {
		require.NoError(t, replaceDir(dst, func(tmp string) error {
			return os.WriteFile(filepath.Join(tmp, "f"), []byte(content), 0o644)
		}))
		b, err := os.ReadFile(filepath.Join(dst, "f"))
		require.NoError(t, err)
		require.Equal(t, content, string(b))
	}
	require.Error(t, replaceDir(dst, func(string) error { return os.ErrInvalid }))
	b, err := os.ReadFile(filepath.Join(dst, "f"))
	require.NoError(t, err)
	require.Equal(t, "two", string(b), "a failed save leaves the previous one")
	entries, err := os.ReadDir(filepath.Dir(dst))
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary directory left behind")
}
