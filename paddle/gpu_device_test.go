package paddle

import (
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/internal/shared"
)

// A predictor on the second GPU, cloned and run from goroutines that move between OS threads:
// every copy in and out, and every wait, must go to that GPU's queue whichever GPU the thread
// last used (CUDA's current device is per thread). Runs where the backend sees two GPUs (the
// tests' host CUDA backend shows two; scripts/device/check.sh's machines have one).
func TestPredictorOnTheSecondGPUFromGoroutines(t *testing.T) {
	if !strings.Contains(GPUInfo(), "; GPU 1:") {
		t.Skip("fewer than two GPUs: " + GPUInfo())
	}
	dir, err := shared.Path("models", "shufflenet_v2_imagenet")
	if err != nil {
		t.Skipf("ShuffleNetV2 absent: %v", err)
	}
	run := func(p *Predictor) ([]float32, error) {
		names, err := p.GetInputNames()
		if err != nil {
			return nil, err
		}
		in, err := p.GetInputHandle(names[0])
		if err != nil {
			return nil, err
		}
		defer in.Destroy()
		x := make([]float32, 3*224*224)
		for i := range x {
			x[i] = float32(i%251) / 251
		}
		if err := in.Reshape([]int32{1, 3, 224, 224}); err != nil {
			return nil, err
		}
		if err := in.CopyFromCpu(x); err != nil {
			return nil, err
		}
		runtime.Gosched()
		if err := p.Run(); err != nil {
			return nil, err
		}
		runtime.Gosched()
		outs, err := p.GetOutputNames()
		if err != nil {
			return nil, err
		}
		out, err := p.GetOutputHandle(outs[0])
		if err != nil {
			return nil, err
		}
		defer out.Destroy()
		y := make([]float32, 1000)
		return y, out.CopyToCpu(y)
	}
	newPredictor := func(gpu bool) *Predictor {
		cfg, err := NewConfig()
		require.NoError(t, err)
		require.NoError(t, cfg.SetModelDir(dir))
		if gpu {
			require.NoError(t, cfg.EnableUseGpu(100, 1))
		}
		p, err := NewPredictor(cfg)
		require.NoError(t, err)
		t.Cleanup(p.Destroy)
		return p
	}
	want, err := run(newPredictor(false))
	require.NoError(t, err)
	pred := newPredictor(true)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		clone, err := pred.Clone()
		require.NoError(t, err)
		t.Cleanup(clone.Destroy)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 3; i++ {
				got, err := run(clone)
				if !assert.NoError(t, err) {
					return
				}
				assert.InDeltaSlice(t, want, got, 1e-4, "GPU 1 against the CPU")
			}
		}()
	}
	wg.Wait()
}
