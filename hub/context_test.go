package hub

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/internal/shared"
)

func sharedModel(t *testing.T, name string) string {
	t.Helper()
	dir, err := shared.Path("models", name)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// ShuffleNetV2 cut at its feature map: the global pool's output, the input of fc6.
func TestContextCutsAtFeatureMap(t *testing.T) {
	for _, trainable := range []bool{true, false} {
		c, err := LoadContext(sharedModel(t, "shufflenet_v2_imagenet"), trainable)
		require.NoError(t, err)
		require.Equal(t, map[string]string{"image": "image"}, c.Inputs)
		require.Equal(t, map[string]string{"feature_map": "pool2d_1.tmp_0"}, c.Outputs)
		require.NotContains(t, c.Params, "fc6_weights", "the classifier is cut away")
		require.Len(t, c.Params, 280, "the convolutions' and batch norms' parameters")
		for _, op := range c.Program.Ops() {
			require.NotContains(t, []string{"feed", "fetch", "mul", "softmax"}, op.GetType())
			for _, a := range op.Attrs {
				if a.GetName() == "is_test" {
					require.Equal(t, !trainable, a.GetB() || a.GetI() != 0, "%s is_test", op.GetType())
				}
			}
		}
		require.Equal(t, !trainable, c.Program.Var("conv5_weights").GetStopGradient(), "frozen parameters get no gradient")
		require.True(t, c.Program.Var("image").GetStopGradient(), "input data never trains")
	}
}

// resnet50_imagenet_partial lacks its stage-5 convolution weights: an error naming the
// count, or, when allowed, the list of them for the task to initialise.
func TestContextMissingParams(t *testing.T) {
	dir := sharedModel(t, "resnet50_imagenet_partial")
	_, err := LoadContext(dir, true)
	require.ErrorContains(t, err, "9 pretrained parameters are missing")
	c, err := LoadContext(dir, true, AllowMissingParams())
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"res5a_branch1_weights", "res5a_branch2b_weights", "res5a_branch2c_weights",
		"res5b_branch2a_weights", "res5b_branch2b_weights", "res5b_branch2c_weights",
		"res5c_branch2a_weights", "res5c_branch2b_weights", "res5c_branch2c_weights"}, c.Missing)
	require.Equal(t, "pool2d_1.tmp_0", c.Outputs["feature_map"])
}

// gesture_rec keeps its parameters in one combined file.
func TestContextCombinedParams(t *testing.T) {
	dir := sharedModel(t, "gesture_rec")
	c, err := LoadContext(dir, true)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(dir, "params"), c.ParamsFile)
	require.Equal(t, filepath.Join(dir, "__model__"), c.ProgramFile)
	require.Empty(t, c.Missing)
	require.NotEmpty(t, c.Params)
}
