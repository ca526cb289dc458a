package paddle

import (
	"math/rand"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// Launch queues a step and returns: the next step's images and labels are set while it runs
// (on a GPU into new host buffers, the queued copies still reading the old ones), then the
// loss is read (which waits for the step), the learning rate set (a variable the GPU holds)
// and the next step launched, as the fine-tune loop does; once more with the next batch
// copied to the GPU beside the step (Prefetch). Every loss and the trained parameters equal,
// bit for bit, those of the same steps run one by one with Run. On the tests' host CUDA backend
// a GPU's queued work runs only when the thread waits, so a step whose queued copy read its
// inputs' host buffer after it was rewritten would train on the next batch, and one that read a
// prefetched batch without waiting for its copy would train on an earlier one.
func TestLaunchLetsTheNextBatchBeSetWhileAStepRuns(t *testing.T) {
	const n, dim, classes, steps = 16, 4, 2, 5
	step := classifierStep(t, dim, classes)
	rng := rand.New(rand.NewSource(3))
	xs, labels := make([][]float32, steps), make([][]int64, steps)
	for k := range xs {
		xs[k], labels[k] = make([]float32, n*dim), make([]int64, n)
		for i := range labels[k] {
			labels[k][i] = int64(rng.Intn(classes))
			for j := 0; j < dim; j++ {
				xs[k][i*dim+j] = float32(rng.NormFloat64()) + float32(labels[k][i])
			}
		}
	}
	lr := func(k int) []float32 { return []float32{0.5 / float32(k+1)} }

	type result struct {
		losses []float32
		w      []float32
	}
	const (
		run = iota
		launch
		prefetch // launch, and prefetch the next batch
	)
	train := func(gpu bool, mode int) result {
		// The host CUDA backend runs a thread's queued work when that thread waits.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		scope, err := NewScope()
		require.NoError(t, err)
		defer scope.Destroy()
		feed := func(k int) {
			require.NoError(t, scope.SetFloat32("x", []int64{n, dim}, xs[k]))
			require.NoError(t, scope.SetInt64("label", []int64{n, 1}, labels[k]))
		}
		zeroClassifier(t, scope, dim, classes, lr(0)[0])
		// Set before the executor is made, the inputs take a GPU's page-locked staging memory
		// from then on, whose copies are queued rather than done on the spot.
		feed(0)
		exec := newExecutorOn(t, step, scope, gpu)
		defer exec.Destroy()
		var r result
		loss := func() {
			l, err := scope.Float32("loss")
			require.NoError(t, err)
			r.losses = append(r.losses, l[0])
		}
		for k := 0; k < steps; k++ {
			if k > 0 {
				require.NoError(t, scope.SetFloat32("lr", []int64{1}, lr(k)))
			}
			if mode == run {
				require.NoError(t, exec.Run())
				loss()
				if k+1 < steps {
					feed(k + 1)
				}
				continue
			}
			require.NoError(t, exec.Launch())
			if k+1 < steps {
				feed(k + 1) // while step k computes
				if mode == prefetch {
					require.NoError(t, exec.Prefetch())
				}
			}
			loss()
		}
		require.NoError(t, exec.Wait(), "nothing left to wait for")
		r.w, err = scope.Float32("w")
		require.NoError(t, err)
		return r
	}

	for _, gpu := range trainingPlaces(t) {
		want := train(gpu, run)
		for _, mode := range []int{launch, prefetch} {
			got := train(gpu, mode)
			require.Equal(t, want.losses, got.losses, "losses, gpu=%v, mode %d", gpu, mode)
			require.Equal(t, want.w, got.w, "trained weights, gpu=%v, mode %d", gpu, mode)
		}
		require.Less(t, want.losses[steps-1], want.losses[0], "the steps trained, gpu=%v", gpu)
	}
}

// A launch that fails (here: no images set) returns the error itself and leaves nothing to
// wait for; the scope stays usable.
func TestLaunchFailureLeavesNothingPending(t *testing.T) {
	const dim, classes = 4, 2
	step := classifierStep(t, dim, classes)
	for _, gpu := range trainingPlaces(t) {
		func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			scope, err := NewScope()
			require.NoError(t, err)
			defer scope.Destroy()
			zeroClassifier(t, scope, dim, classes, 0.1)
			exec := newExecutorOn(t, step, scope, gpu)
			defer exec.Destroy()
			err = exec.Launch()
			require.Error(t, err, "gpu=%v", gpu)
			require.ErrorContains(t, err, "(x) has no data", "gpu=%v", gpu)
			require.NoError(t, exec.Wait(), "gpu=%v", gpu)
			w, err := scope.Float32("w")
			require.NoError(t, err, "gpu=%v", gpu)
			require.Equal(t, make([]float32, dim*classes), w, "no update, gpu=%v", gpu)
		}()
	}
}

// trainingPlaces are where the launch tests train: the CPU, and the GPU where one is usable.
func trainingPlaces(t *testing.T) []bool {
	if reason, unavailable := GPUUnavailable(); unavailable {
		t.Logf("CPU only (no usable GPU: %s)", reason)
		return []bool{false}
	}
	return []bool{false, true}
}

// zeroClassifier sets classifierStep's parameters to zero and its learning rate to lr.
func zeroClassifier(t *testing.T, scope *Scope, dim, classes int64, lr float32) {
	require.NoError(t, scope.SetFloat32("w", []int64{dim, classes}, make([]float32, dim*classes)))
	require.NoError(t, scope.SetFloat32("b", []int64{classes}, make([]float32, classes)))
	require.NoError(t, scope.SetFloat32("lr", []int64{1}, []float32{lr}))
}

// newExecutorOn makes an executor of step over scope on the GPU or the CPU.
func newExecutorOn(t *testing.T, step *Program, scope *Scope, gpu bool) *Executor {
	var exec *Executor
	var err error
	if gpu {
		exec, err = NewExecutorOnGPU(step, scope, 1, GPU{})
	} else {
		exec, err = NewExecutor(step, scope, 1)
	}
	require.NoError(t, err)
	return exec
}
