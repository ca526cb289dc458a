package finetune

import (
	"context"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFinetuneStaysOnOneThread: every training step runs on the OS thread the first one ran
// on, so that the engine keeps one OpenMP team (see finetune). The loop waits for the
// reader between steps, which unlocked lets it resume on another thread.
func TestFinetuneStaysOnOneThread(t *testing.T) {
	data := catdogSubset(t, 32, 1, 1)
	cfg := testConfig(t.TempDir())
	cfg.NumEpoch, cfg.BatchSize, cfg.Threads, cfg.EvalInterval = 1, 4, 2, 1000
	task, err := NewImageClassifierTask(shufflenetContext(t, false), data, testReader(t), cfg)
	require.NoError(t, err)
	defer task.Close()
	threads := map[int]int{}
	task.Subscribe(func(e Event) {
		if s, ok := e.(StepEvent); ok {
			threads[syscall.Gettid()] = s.Step
		}
	})
	require.NoError(t, task.Finetune(context.Background()))
	require.Len(t, threads, 1, "the OS threads the steps ended on (with the last step of each)")
}
