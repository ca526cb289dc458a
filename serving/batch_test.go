package serving

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pkg/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// echo is a runFunc that upper-cases its inputs and records each batch.
type echo struct {
	mu      sync.Mutex
	batches [][]string
	gate    chan struct{} // when not nil, each run waits for a value
	entered atomic.Int32  // runs started
}

func (e *echo) run(in []string) ([]any, error) {
	e.entered.Add(1)
	if e.gate != nil {
		<-e.gate
	}
	e.mu.Lock()
	e.batches = append(e.batches, append([]string(nil), in...))
	e.mu.Unlock()
	out := make([]any, len(in))
	for i, s := range in {
		if s == "bad" {
			return nil, errors.New("bad input")
		}
		out[i] = strings.ToUpper(s)
	}
	return out, nil
}

// TestBatcherBatchesWaitingRequests holds the one worker on a first batch while others
// queue, then checks that they ran together, in batches of at most maxBatch inputs, and
// that each caller got its own results in order.
func TestBatcherBatchesWaitingRequests(t *testing.T) {
	e := &echo{gate: make(chan struct{})}
	b := newBatcher(e.run, 1, 4, 100, time.Millisecond, nil)
	defer b.stop()

	type answer struct {
		in  []string
		out []any
		err error
	}
	answers := make(chan answer, 10)
	ask := func(in ...string) {
		out, err := b.do(context.Background(), in)
		answers <- answer{in, out, err}
	}
	go ask("first")
	require.Eventually(t, func() bool { return e.entered.Load() == 1 }, time.Second, time.Millisecond)
	for _, in := range [][]string{{"a", "b"}, {"c"}, {"d", "e"}, {"f"}} {
		go ask(in...)
	}
	require.Eventually(t, func() bool { return b.depth() == 4 }, time.Second, time.Millisecond)
	close(e.gate)
	for range 5 {
		a := <-answers
		require.NoError(t, a.err)
		require.Len(t, a.out, len(a.in))
		for i, s := range a.in {
			assert.Equal(t, strings.ToUpper(s), a.out[i])
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	assert.Equal(t, []string{"first"}, e.batches[0])
	n := 0
	for _, batch := range e.batches[1:] {
		assert.LessOrEqual(t, len(batch), 4)
		n += len(batch)
	}
	assert.Equal(t, 6, n)
	assert.Less(t, len(e.batches), 5, "the four waiting requests ran in fewer batches: %v", e.batches)
}

func TestBatcherQueueLimitTimeoutAndStop(t *testing.T) {
	e := &echo{gate: make(chan struct{})}
	b := newBatcher(e.run, 1, 1, 2, 0, nil)

	done := make(chan error, 3)
	go func() { _, err := b.do(context.Background(), []string{"x"}); done <- err }()
	require.Eventually(t, func() bool { return e.entered.Load() == 1 }, time.Second, time.Millisecond)
	for range 2 { // queued behind the one at the gate
		go func() { _, err := b.do(context.Background(), []string{"x"}); done <- err }()
	}
	require.Eventually(t, func() bool { return b.depth() == 2 }, time.Second, time.Millisecond)
	_, err := b.do(context.Background(), []string{"y"})
	assert.ErrorIs(t, err, ErrQueueFull)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err = b.do(ctx, []string{"z"})
	assert.ErrorIs(t, err, ErrQueueFull) // still full: refused at once, not after the deadline

	// stop runs what is queued before it returns.
	stopped := make(chan struct{})
	go func() { b.stop(); close(stopped) }()
	close(e.gate)
	<-stopped
	for range 3 {
		assert.NoError(t, <-done)
	}
	_, err = b.do(context.Background(), []string{"late"})
	assert.ErrorIs(t, err, errStopped)
}

func TestBatcherIsolatesAFailingRequest(t *testing.T) {
	e := &echo{gate: make(chan struct{})}
	b := newBatcher(e.run, 1, 8, 10, 20*time.Millisecond, nil)
	defer b.stop()
	type answer struct {
		in  string
		out []any
		err error
	}
	answers := make(chan answer, 3)
	for _, in := range []string{"ok", "bad", "fine"} {
		go func() { out, err := b.do(context.Background(), []string{in}); answers <- answer{in, out, err} }()
	}
	time.Sleep(5 * time.Millisecond)
	close(e.gate)
	for range 3 {
		a := <-answers
		if a.in == "bad" {
			assert.ErrorContains(t, a.err, "bad input")
			continue
		}
		require.NoError(t, a.err)
		assert.Equal(t, []any{strings.ToUpper(a.in)}, a.out)
	}
}

func TestBatcherSkipsAbandonedRequests(t *testing.T) {
	e := &echo{gate: make(chan struct{})}
	b := newBatcher(e.run, 1, 1, 10, 0, nil)
	defer b.stop()
	go func() { _, _ = b.do(context.Background(), []string{"held"}) }()
	require.Eventually(t, func() bool { return e.entered.Load() == 1 }, time.Second, time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := b.do(ctx, []string{"late"})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	close(e.gate)
	_, err = b.do(context.Background(), []string{"next"})
	require.NoError(t, err)
	e.mu.Lock()
	defer e.mu.Unlock()
	assert.Equal(t, [][]string{{"held"}, {"next"}}, e.batches, "the abandoned request never ran")
}

// A lone request runs at once however long maxWait is; under load (another worker busy) a
// request waits for company.
func TestBatcherWaitsOnlyUnderLoad(t *testing.T) {
	e := &echo{}
	b := newBatcher(e.run, 2, 8, 10, time.Hour, nil)
	defer b.stop()
	start := time.Now()
	_, err := b.do(context.Background(), []string{"alone"})
	require.NoError(t, err)
	assert.Less(t, time.Since(start), time.Minute, "an idle module does not wait for company")

	held := make(chan struct{})
	slow := func(in []string) ([]any, error) {
		if in[0] == "hold" {
			<-held
		}
		return e.run(in)
	}
	b2 := newBatcher(slow, 2, 2, 10, time.Hour, nil)
	defer b2.stop()
	go func() { _, _ = b2.do(context.Background(), []string{"hold"}) }()
	require.Eventually(t, func() bool { return b2.runningNow() == 1 }, time.Second, time.Millisecond)
	done := make(chan error, 2)
	go func() { _, err := b2.do(context.Background(), []string{"x"}); done <- err }()
	time.Sleep(20 * time.Millisecond)
	select {
	case <-done:
		t.Fatal("under load a request waits for company")
	default:
	}
	go func() { _, err := b2.do(context.Background(), []string{"y"}); done <- err }()
	require.NoError(t, <-done)
	require.NoError(t, <-done)
	close(held)
	e.mu.Lock()
	defer e.mu.Unlock()
	assert.Contains(t, e.batches, []string{"x", "y"})
}

// A request waiting for company runs as soon as no other worker is running.
func TestBatcherStopsWaitingWhenIdle(t *testing.T) {
	held := make(chan struct{})
	e := &echo{}
	b := newBatcher(func(in []string) ([]any, error) {
		if in[0] == "hold" {
			<-held
		}
		return e.run(in)
	}, 2, 8, 10, time.Hour, nil)
	defer b.stop()
	go func() { _, _ = b.do(context.Background(), []string{"hold"}) }()
	require.Eventually(t, func() bool { return b.runningNow() == 1 }, time.Second, time.Millisecond)
	done := make(chan error, 1)
	go func() { _, err := b.do(context.Background(), []string{"x"}); done <- err }()
	require.Eventually(t, func() bool { return b.depth() == 0 }, time.Second, time.Millisecond)
	close(held)
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting request did not run once the other worker was done")
	}
}
