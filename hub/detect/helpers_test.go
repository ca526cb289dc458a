package detect

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/internal/settings"
	"github.com/gohub/gohub/internal/shared"
)

// repoRoot is the directory holding go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := shared.ModuleRoot()
	require.NoError(t, err)
	return root
}

// seededSSD returns the seeded SSD model directory that real Paddle writes
// (scripts/oracle/ssd_seeded.py), or skips the test (fails under CI=true).
func seededSSD(t testing.TB) string {
	t.Helper()
	base := settings.BuildModelsDir()
	if base == "" {
		base = filepath.Join(repoRoot(t), "build", "models")
	}
	dir := filepath.Join(base, "ssd_mobilenet_v1_pascal_seeded")
	if _, err := os.Stat(filepath.Join(dir, "__model__")); err != nil {
		missingSeededModel(t, "SSD model", dir)
	}
	return dir
}

// missingSeededModel fails in CI (CI=true), where make test writes the seeded models before
// the Go tests, and skips elsewhere.
func missingSeededModel(t testing.TB, what, dir string) {
	t.Helper()
	msg := "no seeded " + what + " at " + dir + ": `make seeded-models` " +
		"(scripts/oracle/seeded_models.sh) has real Paddle write it"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: make test writes it before the Go tests)")
	}
	t.Skip(msg)
}

// sharedFile returns a file of the shared folder, or skips the test.
func sharedFile(t testing.TB, elem ...string) string {
	t.Helper()
	p, err := shared.Path(elem...)
	if err != nil {
		t.Skipf("shared data absent: %v", err)
	}
	return p
}

// seededFiles are the seeded model with the Pascal VOC labels and PaddleHub's recipe.
func seededFiles(t testing.TB) Files {
	return Files{ModelDir: seededSSD(t), Labels: sharedFile(t, "data", "images", "pascalvoc_label_list.txt"), Config: DefaultConfig()}
}

// goldenRows are real Paddle's multiclass_nms rows for pld_dog.jpg through our
// preprocessing (testdata/models/ssd_mobilenet_v1_pascal_seeded, scripts/oracle/model_golden.py).
func goldenRows(t testing.TB) [][6]float32 {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "testdata", "models", "ssd_mobilenet_v1_pascal_seeded", "output_0.bin"))
	require.NoError(t, err)
	require.Zero(t, len(data)%24)
	rows := make([][6]float32, len(data)/24)
	for i := range rows {
		for k := range 6 {
			rows[i][k] = math.Float32frombits(binary.LittleEndian.Uint32(data[24*i+4*k:]))
		}
	}
	return rows
}

func writeFile(t testing.TB, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
	return path
}
