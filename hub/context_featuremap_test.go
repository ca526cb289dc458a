package hub

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/gohub/gohub/hub/install"
	"github.com/gohub/gohub/hub/internal/moduledesc"
	"github.com/gohub/gohub/hub/store"
	"github.com/gohub/gohub/paddle/framework"
)

// testdata/hub_feature_map holds a tiny PaddleHub 1.x image classifier (module_desc.pb,
// check_info.pb, model/ with @HUB_ names, assets/) written with PaddleHub 1.8.3's own
// message types and attribute encoders on Paddle 1.8.5, and what real PaddleHub's
// module.context() returns for it (scripts/oracle/hub_feature_map.py). Its net is conv ->
// batch norm -> global pool -> dropout -> fc -> softmax, and its feature_map signature
// fetches the pool, not the dropout the fc reads, so the two ways of finding a feature map
// disagree. It carries resnet_v2_50_imagenet's name only because gohub imports the PaddleHub
// modules it knows.
type featureMapGolden struct {
	Context struct {
		Inputs  map[string]string `json:"inputs"`
		Outputs map[string]string `json:"outputs"`
	} `json:"context"`
	LastFCInput string `json:"last_fc_input"`
}

// installFeatureMapModule installs the fixture's archive into a new home.
func installFeatureMapModule(t *testing.T) (store.Home, *store.Manifest, featureMapGolden) {
	t.Helper()
	dir := filepath.Join("..", "testdata", "hub_feature_map")
	raw, err := os.ReadFile(filepath.Join(dir, "golden.json"))
	require.NoError(t, err)
	var g featureMapGolden
	require.NoError(t, json.Unmarshal(raw, &g))
	h := store.Home{Root: t.TempDir()}
	res, err := (&install.Installer{Home: h}).Install(testCtx, filepath.Join(dir, "module.tar.gz"))
	require.NoError(t, err)
	return h, res.Module.Manifest, g
}

// The context of an installed PaddleHub 1.x module cuts where its module_desc.pb says, as
// PaddleHub's does: at the pool, before the dropout and the fc.
func TestContextCutsAtModuleDescFeatureMap(t *testing.T) {
	h, man, g := installFeatureMapModule(t)
	require.Equal(t, "module_desc.pb", man.Assets[store.AssetModuleDesc], "the import keeps the description")
	for _, trainable := range []bool{true, false} {
		c, err := LoadContext(man.Name, trainable, WithLoadOptions(WithHome(h)))
		require.NoError(t, err)
		require.Equal(t, g.Context.Inputs["image"], c.Inputs["image"])
		require.Equal(t, g.Context.Outputs["feature_map"], c.Outputs["feature_map"], "PaddleHub's outputs[\"feature_map\"]")

		whole, err := os.ReadFile(c.ProgramFile)
		require.NoError(t, err)
		prog, err := framework.ParseProgram(whole)
		require.NoError(t, err)
		last, err := findFeatureMap(prog)
		require.NoError(t, err)
		require.Equal(t, g.LastFCInput, last)
		require.NotEqual(t, last, c.Outputs["feature_map"], "the fixture tells the two rules apart")

		var types []string
		for _, op := range c.Program.Ops() {
			types = append(types, op.GetType())
		}
		require.Equal(t, []string{"conv2d", "batch_norm", "relu", "pool2d"}, types)
		prefix := "@HUB_resnet_v2_50_imagenet@"
		require.ElementsMatch(t, []string{prefix + "conv2d_0.w_0", prefix + "batch_norm_0.w_0", prefix + "batch_norm_0.b_0",
			prefix + "batch_norm_0.w_1", prefix + "batch_norm_0.w_2"}, c.Params)
	}
}

// A module without a description (one installed before gohub kept it) falls back to the
// input of the last fc.
func TestContextWithoutModuleDescCutsAtLastFC(t *testing.T) {
	h, man, g := installFeatureMapModule(t)
	inst, err := h.Lookup(man.Name)
	require.NoError(t, err)
	delete(inst.Manifest.Assets, store.AssetModuleDesc)
	c, err := NewContext(inst.Dir, inst.Manifest, &inst.Manifest.Models[0], true)
	require.NoError(t, err)
	require.Equal(t, g.LastFCInput, c.Outputs["feature_map"])
}

// A description naming a variable the program lacks fails, saying which file named it.
func TestContextModuleDescNamesUnknownVariable(t *testing.T) {
	h, man, _ := installFeatureMapModule(t)
	inst, err := h.Lookup(man.Name)
	require.NoError(t, err)
	path := filepath.Join(inst.Dir, man.Assets[store.AssetModuleDesc])
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var desc moduledesc.ModuleDesc
	require.NoError(t, proto.Unmarshal(raw, &desc))
	desc.Sign2Var["feature_map"].FetchDesc[0].VarName = "@HUB_resnet_v2_50_imagenet@pool2d_9.tmp_0"
	raw, err = proto.Marshal(&desc)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, raw, 0o644))

	_, err = NewContext(inst.Dir, inst.Manifest, &inst.Manifest.Models[0], true)
	var fe *FeatureMapError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, &FeatureMapError{Name: "@HUB_resnet_v2_50_imagenet@pool2d_9.tmp_0", From: "module_desc.pb"}, fe)
	require.ErrorContains(t, err, "feature map @HUB_resnet_v2_50_imagenet@pool2d_9.tmp_0 (named by module_desc.pb) is not a variable of the program")
}
