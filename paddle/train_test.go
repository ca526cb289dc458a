package paddle

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/paddle/framework"
)

// gradCase is testdata/grads/<name>/case.json (scripts/oracle/grads/README.md): a forward
// program, its feeds and parameters, and the loss and gradients real Paddle computed.
type gradCase struct {
	dir     string
	Loss    string       `json:"loss"`
	Feeds   []gradTensor `json:"feeds"`
	Params  []gradTensor `json:"params"`
	Outputs []gradTensor `json:"outputs"`
	NoGrad  []string     `json:"no_grad_set"`
	Tol     struct {
		Rtol float64 `json:"rtol"`
		Atol float64 `json:"atol"`
	} `json:"tolerance"`
}

type gradTensor struct {
	Name  string  `json:"name"`
	DType string  `json:"dtype"`
	Shape []int64 `json:"shape"`
	File  string  `json:"file"`
}

func loadGradCase(t *testing.T, name string) gradCase {
	t.Helper()
	dir := filepath.Join("..", "testdata", "grads", name)
	raw, err := os.ReadFile(filepath.Join(dir, "case.json"))
	require.NoError(t, err)
	c := gradCase{dir: dir}
	require.NoError(t, json.Unmarshal(raw, &c))
	return c
}

func (c gradCase) read(t *testing.T, g gradTensor) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.dir, g.File))
	require.NoError(t, err)
	return b
}

func (c gradCase) floats(t *testing.T, g gradTensor) []float32 {
	b := c.read(t, g)
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// program loads the case's forward program into the library (destroyed with the test) and
// returns it with its bytes.
func (c gradCase) program(t *testing.T) (*Program, []byte) {
	t.Helper()
	desc, err := os.ReadFile(filepath.Join(c.dir, "forward.pdmodel"))
	require.NoError(t, err)
	prog, err := NewProgram(desc)
	require.NoError(t, err)
	t.Cleanup(prog.Destroy)
	return prog, desc
}

// fill puts the case's feeds and initial parameters into scope.
func (c gradCase) fill(t *testing.T, scope *Scope) {
	t.Helper()
	for _, g := range append(append([]gradTensor{}, c.Feeds...), c.Params...) {
		switch g.DType {
		case "float32":
			require.NoError(t, scope.SetFloat32(g.Name, g.Shape, c.floats(t, g)))
		case "int64":
			b := c.read(t, g)
			v := make([]int64, len(b)/8)
			for i := range v {
				v[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
			}
			require.NoError(t, scope.SetInt64(g.Name, g.Shape, v))
		default:
			t.Fatalf("%s: dtype %s", g.Name, g.DType)
		}
	}
}

func (c gradCase) expect(t *testing.T, scope *Scope) {
	t.Helper()
	for _, g := range c.Outputs {
		got, err := scope.Float32(g.Name)
		require.NoError(t, err, g.Name)
		want := c.floats(t, g)
		require.Len(t, got, len(want), g.Name)
		for i := range want {
			tol := c.Tol.Atol + c.Tol.Rtol*math.Abs(float64(want[i]))
			require.InDelta(t, want[i], got[i], tol, "%s[%d]", g.Name, i)
		}
	}
}

// The Go path of a training step's first half: a forward program from bytes, the backward
// appended by the library, run over a scope; the gradients are real Paddle's.
func TestTrainingGradientsMatchPaddle(t *testing.T) {
	for _, name := range []string{"mlp_fanout", "stop_gradient", "softmax_with_cross_entropy_grad"} {
		t.Run(name, func(t *testing.T) {
			c := loadGradCase(t, name)
			prog, _ := c.program(t)
			require.NoError(t, prog.AppendBackward(c.Loss, c.NoGrad...))

			scope, err := NewScope()
			require.NoError(t, err)
			defer scope.Destroy()
			c.fill(t, scope)
			exec, err := NewExecutor(prog, scope, 1)
			require.NoError(t, err)
			defer exec.Destroy()
			require.NoError(t, exec.Run())
			c.expect(t, scope)
		})
	}
}

func TestProgramBytesRoundTrip(t *testing.T) {
	c := loadGradCase(t, "mul_grad")
	prog, desc := c.program(t)
	require.NoError(t, prog.AppendBackward(c.Loss, c.NoGrad...))
	out, err := prog.Bytes()
	require.NoError(t, err)
	require.Greater(t, len(out), len(desc), "the backward ops are in the bytes")
	again, err := NewProgram(out)
	require.NoError(t, err)
	again.Destroy()
}

// Parameters saved and loaded in Paddle's one-file-per-variable layout come back bit for bit.
func TestPersistablesRoundTrip(t *testing.T) {
	c := loadGradCase(t, "mlp_fanout")
	prog, _ := c.program(t)
	scope, err := NewScope()
	require.NoError(t, err)
	defer scope.Destroy()
	c.fill(t, scope)
	dir := t.TempDir()
	require.NoError(t, scope.SavePersistables(prog, dir))
	for _, p := range c.Params {
		require.FileExists(t, filepath.Join(dir, p.Name))
	}
	loaded, err := NewScope()
	require.NoError(t, err)
	defer loaded.Destroy()
	require.NoError(t, loaded.LoadPersistables(prog, dir))
	for _, p := range c.Params {
		want, err := scope.Float32(p.Name)
		require.NoError(t, err)
		got, err := loaded.Float32(p.Name)
		require.NoError(t, err)
		require.Equal(t, want, got, p.Name)
		shape, dt, err := loaded.Shape(p.Name)
		require.NoError(t, err)
		require.Equal(t, p.Shape, shape)
		require.Equal(t, Float32, dt)
	}
}

func TestTrainingErrorsAreClear(t *testing.T) {
	_, err := NewProgram([]byte("not a program"))
	require.ErrorContains(t, err, "not a ProgramDesc")
	c := loadGradCase(t, "mul_grad")
	prog, _ := c.program(t)
	require.ErrorContains(t, prog.AppendBackward("no_such_var"), "is not a variable of block 0")
	scope, err := NewScope()
	require.NoError(t, err)
	defer scope.Destroy()
	require.ErrorContains(t, scope.SetFloat32("x", []int64{2, 3}, []float32{1}), "holds 6 values")
	_, err = scope.Float32("absent")
	require.ErrorContains(t, err, "holds no data")
	exec, err := NewExecutor(prog, scope, 1)
	require.NoError(t, err)
	defer exec.Destroy()
	require.ErrorContains(t, exec.Run(), "has no data")
}

// The numerical check names the op and the variable where a NaN first appears.
func TestCheckNanInfNamesTheOp(t *testing.T) {
	c := loadGradCase(t, "mlp_fanout")
	prog, _ := c.program(t)
	require.NoError(t, prog.AppendBackward(c.Loss, c.NoGrad...))
	scope, err := NewScope()
	require.NoError(t, err)
	defer scope.Destroy()
	c.fill(t, scope)
	// One NaN in the first layer's weight: its mul writes the first NaN.
	w, err := scope.Float32("fc_0.w_0")
	require.NoError(t, err)
	shape, _, err := scope.Shape("fc_0.w_0")
	require.NoError(t, err)
	w[3] = float32(math.NaN())
	require.NoError(t, scope.SetFloat32("fc_0.w_0", shape, w))
	exec, err := NewExecutor(prog, scope, 1)
	require.NoError(t, err)
	defer exec.Destroy()
	require.NoError(t, exec.Run(), "without the check a NaN passes silently")
	require.NoError(t, exec.CheckNanInf(true))
	err = exec.Run()
	require.ErrorContains(t, err, "op #0 (mul)")
	require.ErrorContains(t, err, "holds NaN")
}

// FreeIntermediates releases activations after their last use and keeps what the caller
// reads: parameters, feeds, fetch targets and outputs no op reads; the values are those of a
// run that frees nothing.
func TestExecutorFreeIntermediates(t *testing.T) {
	fwd := framework.NewProgram()
	for _, v := range []struct {
		name    string
		dims    []int64
		persist bool
	}{{"x", []int64{-1, 3}, false}, {"w", []int64{3, 2}, true}, {"m", []int64{-1, 2}, false},
		{"r", []int64{-1, 2}, false}, {"loss", nil, false}} {
		_, err := fwd.AddVar(v.name, framework.VarType_FP32, v.dims, v.persist)
		require.NoError(t, err)
	}
	_, err := fwd.AddOp("mul", framework.Slots{"X": {"x"}, "Y": {"w"}}, framework.Slots{"Out": {"m"}},
		framework.IntAttr("x_num_col_dims", 1), framework.IntAttr("y_num_col_dims", 1))
	require.NoError(t, err)
	_, err = fwd.AddOp("relu", framework.Slots{"X": {"m"}}, framework.Slots{"Out": {"r"}})
	require.NoError(t, err)
	_, err = fwd.AddOp("mean", framework.Slots{"X": {"r"}}, framework.Slots{"Out": {"loss"}})
	require.NoError(t, err)
	desc, err := fwd.Bytes()
	require.NoError(t, err)
	withGrads, err := NewProgram(desc)
	require.NoError(t, err)
	defer withGrads.Destroy()
	require.NoError(t, withGrads.AppendBackward("loss"))
	b, err := withGrads.Bytes()
	require.NoError(t, err)
	fetched, err := framework.ParseProgram(b)
	require.NoError(t, err)
	require.NoError(t, fetched.AddFetch("r"))
	b, err = fetched.Bytes()
	require.NoError(t, err)
	prog, err := NewProgram(b)
	require.NoError(t, err)
	defer prog.Destroy()

	run := func(free bool) (*Scope, func()) {
		s, err := NewScope()
		require.NoError(t, err)
		require.NoError(t, s.SetFloat32("x", []int64{2, 3}, []float32{1, -2, 3, 0.5, 1, -1}))
		require.NoError(t, s.SetFloat32("w", []int64{3, 2}, []float32{0.1, -0.2, 0.3, 0.4, -0.5, 0.6}))
		e, err := NewExecutor(prog, s, 1)
		require.NoError(t, err)
		require.NoError(t, e.FreeIntermediates(free))
		for i := 0; i < 2; i++ { // the second run reallocates what the first freed
			require.NoError(t, e.Run())
		}
		return s, func() { e.Destroy(); s.Destroy() }
	}
	keep, done := run(false)
	defer done()
	freed, done2 := run(true)
	defer done2()
	for _, name := range []string{"x", "w", "r", "loss", "w@GRAD"} {
		want, err := keep.Float32(name)
		require.NoError(t, err)
		got, err := freed.Float32(name)
		require.NoError(t, err, "%s is kept", name)
		require.Equal(t, want, got, name)
	}
	_, err = keep.Float32("m@GRAD")
	require.NoError(t, err)
	_, err = freed.Float32("m@GRAD")
	require.Error(t, err, "an intermediate gradient is released after its last use")
}
