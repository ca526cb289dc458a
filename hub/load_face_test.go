package hub

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/hub/facedet"
	"github.com/gohub/gohub/hub/importer"
	"github.com/gohub/gohub/hub/install"
	"github.com/gohub/gohub/hub/store"
	"github.com/gohub/gohub/internal/shared"
)

// sharedModels returns shared/models/<name>, or skips the test.
func sharedModels(t *testing.T, name string) string {
	t.Helper()
	p, err := shared.Path("models", name)
	if err != nil {
		t.Skipf("shared data absent: %v", err)
	}
	return p
}

// The shared folders install as PaddleHub's two face modules, recognised by the PaddleHub
// module name inside the .nb files; the mask module finds the face detector next to it.
func TestInstallFaceModules(t *testing.T) {
	faceDir, maskDir := sharedModels(t, "pyramidbox_lite"), sharedModels(t, "mask_detector")
	img, err := shared.Path("data", "images", "skimage_astronaut.png")
	require.NoError(t, err)
	h := store.Home{Root: t.TempDir()}
	in := &install.Installer{Home: h, Inspect: InspectModel}

	res, err := in.Install(testCtx, maskDir)
	require.NoError(t, err)
	m := res.Module.Manifest
	assert.Equal(t, "pyramidbox_lite_mobile_mask", m.Name)
	assert.Equal(t, store.KindFaceDetection, m.Kind)
	assert.Equal(t, []string{"mask", "face"}, m.ModelNames())
	// The face detector is the newest format in pyramidbox_lite (nb_v2, not nb_v0).
	want, err := os.ReadFile(filepath.Join(faceDir, "nb_v2", "model.nb"))
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(res.Module.Dir, "model", "face", "model.nb"))
	require.NoError(t, err)
	assert.Equal(t, want, got)
	labels, err := os.ReadFile(filepath.Join(res.Module.Dir, "assets", "label_list.txt"))
	require.NoError(t, err)
	assert.Equal(t, "NO MASK\nMASK\n", string(labels))

	res, err = in.Install(testCtx, faceDir)
	require.NoError(t, err)
	assert.Equal(t, "pyramidbox_lite_mobile", res.Module.Manifest.Name)
	assert.Equal(t, []string{"face"}, res.Module.Manifest.ModelNames())

	mod, err := Load("pyramidbox_lite_mobile_mask", WithHome(h))
	require.NoError(t, err)
	out, err := mod.DetectFaces([]string{img})
	require.NoError(t, err)
	require.NoError(t, mod.Close())
	require.Len(t, out, 1)
	require.Len(t, out[0].Data, 1)
	assert.Equal(t, "NO MASK", out[0].Data[0].Label) // testdata/faces: the astronaut
	assert.Equal(t, [4]int{177, 57, 271, 177}, [4]int{out[0].Data[0].Left, out[0].Data[0].Top, out[0].Data[0].Right, out[0].Data[0].Bottom})

	mod, err = Load("pyramidbox_lite_mobile", WithHome(h), WithConfsThreshold(0.99999))
	require.NoError(t, err)
	defer mod.Close()
	out, err = mod.DetectFaces([]string{img})
	require.NoError(t, err)
	assert.Empty(t, out[0].Data, "0.99978 is below the threshold asked for")
	_, err = mod.Detect([]string{img})
	assert.ErrorContains(t, err, "Detect needs an object detection one")
}

// The mask classifier alone, with no face detector anywhere, is refused with what to do.
func TestInstallMaskWithoutFaceDetector(t *testing.T) {
	maskDir := sharedModels(t, "mask_detector")
	src := filepath.Join(t.TempDir(), "alone", "mask")
	require.NoError(t, os.MkdirAll(src, 0o755))
	data, err := os.ReadFile(filepath.Join(maskDir, "nb_v2", "model.nb"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(src, "model.nb"), data, 0o644))
	_, err = (&install.Installer{Home: store.Home{Root: t.TempDir()}, Inspect: InspectModel}).Install(testCtx, src)
	var missing *importer.FaceDetectorMissingError
	require.ErrorAs(t, err, &missing)
	assert.Contains(t, err.Error(), "install it first")
}

// The face modules' recipe that the importer writes reads as PaddleHub's facedet config.
func TestFaceRecipeParses(t *testing.T) {
	pre, post, ok := importer.Recipe("pyramidbox_lite_mobile_mask")
	require.True(t, ok)
	c, err := facedet.ParseConfig(pre, post)
	require.NoError(t, err)
	assert.Equal(t, facedet.DefaultConfig(), c)
}
