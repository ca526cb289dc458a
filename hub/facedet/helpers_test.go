package facedet

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/hub/internal/modelload"
	"github.com/gohub/gohub/internal/shared"
	"github.com/gohub/gohub/readers/picture"
)

// repoRoot is the directory holding go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := shared.ModuleRoot()
	require.NoError(t, err)
	return root
}

// sharedPath returns a path of the shared folder, or skips the test.
func sharedPath(t testing.TB, elem ...string) string {
	t.Helper()
	p, err := shared.Path(elem...)
	if err != nil {
		t.Skipf("shared data absent: %v", err)
	}
	return p
}

// golden is testdata/faces/faces.json (scripts/oracle/face_golden.py).
type golden struct {
	Shrink         float64  `json:"shrink"`
	ConfsThreshold float64  `json:"confs_threshold"`
	MaskLabels     []string `json:"mask_labels"`
	Cases          []caseT  `json:"cases"`
}

type caseT struct {
	Image string `json:"image"`
	Paint *struct {
		Rect [4]int `json:"rect"`
		BGR  [3]int `json:"bgr"`
	} `json:"paint"`
	Width, Height int
	Faces         []goldenFace `json:"faces"`
	Mask          []goldenFace `json:"mask"`
}

type goldenFace struct {
	Label                    string    `json:"label"`
	Confidence               float64   `json:"confidence"`
	Probs                    []float64 `json:"probs"`
	Left, Top, Right, Bottom int
	CropSHA256               string `json:"crop_sha256"`
}

func loadGolden(t testing.TB) golden {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "testdata", "faces", "faces.json"))
	require.NoError(t, err, "testdata/faces/faces.json: regenerate with scripts/oracle/face_run.sh")
	var g golden
	require.NoError(t, json.Unmarshal(data, &g))
	require.NotEmpty(t, g.Cases)
	return g
}

// modelFiles are the real PyramidBox-Lite and mask classifier in the shared folder.
func modelFiles(t testing.TB, mask bool) Files {
	t.Helper()
	f := Files{Face: modelload.Model{Dir: sharedPath(t, "models", "pyramidbox_lite", "nb_v2")}, Config: DefaultConfig()}
	if mask {
		f.Mask = &modelload.Model{Dir: sharedPath(t, "models", "mask_detector", "nb_v2")}
		labels := filepath.Join(t.TempDir(), "label_list.txt")
		require.NoError(t, os.WriteFile(labels, []byte("NO MASK\nMASK\n"), 0o644))
		f.MaskLabels = labels
	}
	return f
}

// bgrSHA256 is the sha256 of a picture's pixels as OpenCV holds them (BGR).
func bgrSHA256(im *picture.Image) string {
	bgr := make([]byte, len(im.Pix))
	for i := 0; i < len(bgr); i += 3 {
		bgr[i], bgr[i+1], bgr[i+2] = im.Pix[i+2], im.Pix[i+1], im.Pix[i]
	}
	s := sha256.Sum256(bgr)
	return hex.EncodeToString(s[:])
}
