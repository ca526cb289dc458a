package paddle

import (
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/internal/shared"
	"github.com/gohub/gohub/paddle/framework"
)

// gesture_rec's combined params read into a scope give, through the executor, the outputs
// the predictor gives on the same model (which loads combined files its own way): every
// tensor landed under its own name.
func TestScopeLoadCombinedMatchesPredictor(t *testing.T) {
	dir, err := shared.Path("models", "gesture_rec")
	if err != nil {
		t.Fatal(err)
	}
	desc, err := os.ReadFile(filepath.Join(dir, "__model__"))
	require.NoError(t, err)
	const n = 2
	input := make([]float32, n*3*224*224)
	rng := rand.New(rand.NewSource(1))
	for i := range input {
		input[i] = rng.Float32()*2 - 1
	}

	cfg, err := NewConfig()
	require.NoError(t, err)
	require.NoError(t, cfg.SetModel(filepath.Join(dir, "__model__"), filepath.Join(dir, "params")))
	pred, err := NewPredictor(cfg)
	require.NoError(t, err)
	defer pred.Destroy()
	in, err := pred.GetInputHandle("img")
	require.NoError(t, err)
	require.NoError(t, in.Reshape([]int32{n, 3, 224, 224}))
	require.NoError(t, CopyFromCpu(in, input))
	require.NoError(t, pred.Run())
	outNames, err := pred.GetOutputNames()
	require.NoError(t, err)
	out, err := pred.GetOutputHandle(outNames[0])
	require.NoError(t, err)
	shape, err := out.Shape()
	require.NoError(t, err)
	size := 1
	for _, d := range shape {
		size *= int(d)
	}
	want := make([]float32, size)
	require.NoError(t, CopyToCpu(out, want))

	full, err := NewProgram(desc)
	require.NoError(t, err)
	defer full.Destroy()
	scope, err := NewScope()
	require.NoError(t, err)
	defer scope.Destroy()
	require.NoError(t, scope.LoadCombined(full, filepath.Join(dir, "params")))

	cut, err := framework.ParseProgram(desc)
	require.NoError(t, err)
	require.NoError(t, cut.Prune([]string{"img"}, []string{outNames[0]}))
	b, err := cut.Bytes()
	require.NoError(t, err)
	prog, err := NewProgram(b)
	require.NoError(t, err)
	defer prog.Destroy()
	require.NoError(t, scope.SetFloat32("img", []int64{n, 3, 224, 224}, input))
	exec, err := NewExecutor(prog, scope, 1)
	require.NoError(t, err)
	defer exec.Destroy()
	require.NoError(t, exec.Run())
	got, err := scope.Float32(outNames[0])
	require.NoError(t, err)
	require.InEpsilonSlice(t, want, got, 1e-5)

	require.Error(t, scope.LoadCombined(full, filepath.Join(dir, "__model__")), "not a parameter file")
}
