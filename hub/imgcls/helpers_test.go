package imgcls

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/internal/shared"
)

// shufflenet returns the shared ShuffleNetV2 model directory, or skips the test.
func shufflenet(t testing.TB) string {
	t.Helper()
	dir, err := shared.Path("models", "shufflenet_v2_imagenet")
	if err != nil {
		t.Skipf("shared ShuffleNetV2 model absent: %v", err)
	}
	return dir
}

// catImages are two cat photos for the error tests; each is skipped where absent.
func catImages(t testing.TB) []string {
	t.Helper()
	var paths []string
	for _, elem := range [][]string{
		{"models", "shufflenet_v2_imagenet", "demo_images", "egypt_cat.jpg"},
		{"data", "images", "pld_tabby_cat.jpg"},
	} {
		p, err := shared.Path(elem...)
		if err != nil {
			t.Skipf("shared cat image absent: %v", err)
		}
		paths = append(paths, p)
	}
	return paths
}

func writeFile(t testing.TB, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
	return path
}
