package paddle

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewPredictorBadModels(t *testing.T) {
	garbage := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(garbage, "__model__"), []byte("not a program"), 0o644))
	tests := []struct {
		name string
		set  func(*Config) error
	}{
		{"missing dir", func(c *Config) error { return c.SetModelDir(filepath.Join(t.TempDir(), "absent")) }},
		{"empty dir", func(c *Config) error { return c.SetModelDir(t.TempDir()) }},
		{"garbage program", func(c *Config) error { return c.SetModelDir(garbage) }},
		{"missing files", func(c *Config) error { return c.SetModel("absent.pdmodel", "absent.pdiparams") }},
		{"garbage buffer", func(c *Config) error { return c.SetModelBuffer("junk", "junk") }},
		{"no model", func(*Config) error { return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := NewConfig()
			require.NoError(t, err)
			require.NoError(t, tt.set(cfg))
			pred, err := NewPredictor(cfg)
			require.Error(t, err)
			assert.Nil(t, pred)
			var libErr *Error
			require.ErrorAs(t, err, &libErr)
			assert.NotEmpty(t, libErr.Message)
			// The config was consumed all the same.
			assert.ErrorIs(t, cfg.SetModelDir("x"), ErrDestroyed)
			cfg.Destroy()
		})
	}
}

func TestPredictorNamesAndInfos(t *testing.T) {
	pred := newLACPredictor(t)
	assert.Equal(t, 1, pred.GetInputNum())
	assert.Equal(t, 1, pred.GetOutputNum())

	in, err := pred.GetInputNames()
	require.NoError(t, err)
	assert.Equal(t, []string{lacInput}, in)
	out, err := pred.GetOutputNames()
	require.NoError(t, err)
	assert.Equal(t, []string{lacOutput}, out)

	inInfo, err := pred.GetInputInfos()
	require.NoError(t, err)
	assert.Equal(t, []IOInfo{{Name: lacInput, Shape: []int64{-1, 1}, Type: Int64}}, inInfo)
	outInfo, err := pred.GetOutputInfos()
	require.NoError(t, err)
	// Declared float32 in the program although the run-time tensor holds int64.
	assert.Equal(t, []IOInfo{{Name: lacOutput, Shape: []int64{-1, 1}, Type: Float32}}, outInfo)

	_, err = pred.GetInputHandle("no_such_input")
	assert.Error(t, err)
	_, err = pred.GetOutputHandle("bad\x00name")
	assert.ErrorContains(t, err, "NUL")
}

func TestTensorShapeAndLodRoundTrip(t *testing.T) {
	pred := newLACPredictor(t)
	in, err := pred.GetInputHandle(lacInput)
	require.NoError(t, err)
	defer in.Destroy()
	assert.Equal(t, lacInput, in.Name())

	tests := []struct {
		shape []int32
		lod   [][]uint
	}{
		{[]int32{7, 1}, [][]uint{{0, 3, 7}}},
		{[]int32{1, 1}, [][]uint{{0, 1}}},
		{[]int32{5, 1}, [][]uint{{0, 2}, {0, 1, 5}}},
	}
	for _, tt := range tests {
		require.NoError(t, in.Reshape(tt.shape))
		shape, err := in.Shape()
		require.NoError(t, err)
		assert.Equal(t, tt.shape, shape)

		require.NoError(t, in.SetLod(tt.lod))
		lod, err := in.Lod()
		require.NoError(t, err)
		assert.Equal(t, tt.lod, lod)
	}
	require.NoError(t, in.SetLod(nil))
	lod, err := in.Lod()
	require.NoError(t, err)
	assert.Empty(t, lod)
}

func TestTensorCopyRoundTrip(t *testing.T) {
	pred := newLACPredictor(t)
	in, err := pred.GetInputHandle(lacInput)
	require.NoError(t, err)
	defer in.Destroy()

	require.NoError(t, in.Reshape([]int32{2, 3}))
	checkRoundTrip(t, in, []float32{1.5, -2, 0, 3, 4, 5})
	checkRoundTrip(t, in, []int64{1, 2, 3, 1 << 40, -5, 6})
	checkRoundTrip(t, in, []int32{-1, 2, 3, 4, 5, 6})
	checkRoundTrip(t, in, []uint8{0, 255, 3, 4, 5, 6})
	checkRoundTrip(t, in, []int8{-128, 127, 3, 4, 5, 6})

	// The interface{} forms of Paddle's Go API.
	require.NoError(t, in.CopyFromCpu([]int64{9, 8, 7, 6, 5, 4}))
	got := make([]int64, 6)
	require.NoError(t, in.CopyToCpu(got))
	assert.Equal(t, []int64{9, 8, 7, 6, 5, 4}, got)
}

func checkRoundTrip[T Element](t *testing.T, tensor *Tensor, data []T) {
	t.Helper()
	require.NoError(t, CopyFromCpu(tensor, data))
	typ, err := tensor.Type()
	require.NoError(t, err)
	assert.Equal(t, TypeOf[T](), typ)
	got := make([]T, len(data))
	require.NoError(t, CopyToCpu(tensor, got))
	assert.Equal(t, data, got)
}

func TestTensorCopyErrors(t *testing.T) {
	pred := newLACPredictor(t)
	v := lacVocab(t)
	in, err := pred.GetInputHandle(lacInput)
	require.NoError(t, err)
	defer in.Destroy()
	require.NoError(t, in.Reshape([]int32{3, 1}))

	assert.ErrorIs(t, CopyFromCpu(in, []int64{1, 2}), ErrSizeMismatch)
	assert.ErrorIs(t, in.CopyFromCpu([]float64{1, 2, 3}), ErrUnsupportedType)
	assert.ErrorIs(t, in.CopyToCpu([]string{"a"}), ErrUnsupportedType)
	require.NoError(t, CopyFromCpu(in, []int64{1, 2, 3}))
	assert.ErrorIs(t, CopyToCpu(in, make([]int64, 4)), ErrSizeMismatch)
	assert.ErrorIs(t, CopyToCpu(in, make([]float32, 3)), ErrTypeMismatch)

	// The output is declared float32 but holds int64: reading it as float32 must fail.
	b, err := v.NewBatch([]string{"我爱北京"})
	require.NoError(t, err)
	_, _, err = runLAC(pred, b)
	require.NoError(t, err)
	out, err := pred.GetOutputHandle(lacOutput)
	require.NoError(t, err)
	defer out.Destroy()
	typ, err := out.Type()
	require.NoError(t, err)
	assert.Equal(t, Int64, typ)
	err = CopyToCpu(out, make([]float32, 4))
	assert.ErrorIs(t, err, ErrTypeMismatch)
	assert.ErrorContains(t, err, "holds int64, not float32")
}

func TestRunErrors(t *testing.T) {
	pred := newLACPredictor(t)
	in, err := pred.GetInputHandle(lacInput)
	require.NoError(t, err)
	defer in.Destroy()
	// An id beyond the 8224-row embedding must be refused, not read out of bounds.
	require.NoError(t, in.Reshape([]int32{2, 1}))
	require.NoError(t, CopyFromCpu(in, []int64{1, 1 << 40}))
	require.NoError(t, in.SetLod([][]uint{{0, 2}}))
	err = pred.Run()
	var libErr *Error
	require.ErrorAs(t, err, &libErr)
	assert.NotEmpty(t, libErr.Message)

	// The predictor stays usable after a failed run.
	assert.Equal(t, [][]string{{"我", "爱"}}, segment(t, pred, lacVocab(t), "我爱"))
}

func TestDestroyed(t *testing.T) {
	pred := newLACPredictor(t)
	in, err := pred.GetInputHandle(lacInput)
	require.NoError(t, err)

	in.Destroy()
	in.Destroy() // harmless
	assert.ErrorIs(t, in.Reshape([]int32{1, 1}), ErrDestroyed)
	assert.Empty(t, in.Name())

	in2, err := pred.GetInputHandle(lacInput)
	require.NoError(t, err)
	pred.Destroy()
	pred.Destroy() // harmless
	assert.ErrorIs(t, pred.Run(), ErrDestroyed)
	_, err = pred.Clone()
	assert.ErrorIs(t, err, ErrDestroyed)
	_, err = pred.GetInputNames()
	assert.ErrorIs(t, err, ErrDestroyed)
	_, err = pred.GetOutputInfos()
	assert.ErrorIs(t, err, ErrDestroyed)
	_, err = pred.GetOutputHandle(lacOutput)
	assert.ErrorIs(t, err, ErrDestroyed)
	assert.ErrorIs(t, pred.ClearIntermediateTensor(), ErrDestroyed)
	_, err = pred.TryShrinkMemory()
	assert.ErrorIs(t, err, ErrDestroyed)
	assert.Zero(t, pred.GetInputNum())

	// A handle outliving its predictor reports it instead of touching freed memory.
	assert.ErrorIs(t, in2.Reshape([]int32{1, 1}), ErrDestroyed)
	assert.ErrorIs(t, CopyFromCpu(in2, []int64{1}), ErrDestroyed)
	_, err = in2.Lod()
	assert.ErrorIs(t, err, ErrDestroyed)
	_, err = in2.Type()
	assert.ErrorIs(t, err, ErrDestroyed)
	in2.Destroy()
}

func TestClearAndShrink(t *testing.T) {
	pred := newLACPredictor(t)
	v := lacVocab(t)
	want := segment(t, pred, v, "今天天气很好")
	require.NoError(t, pred.ClearIntermediateTensor())
	_, err := pred.TryShrinkMemory()
	require.NoError(t, err)
	assert.Equal(t, want, segment(t, pred, v, "今天天气很好"))
}
