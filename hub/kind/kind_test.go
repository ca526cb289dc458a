package kind

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/hub/store"
)

func TestRegister(t *testing.T) {
	k := store.Kind("test_kind")
	open := func(*Module, RunOptions, []Setting) (Instance, error) { return nil, nil }
	Register(k, open)
	t.Cleanup(func() { mu.Lock(); delete(openers, k); mu.Unlock() })
	_, ok := Lookup(k)
	assert.True(t, ok)
	assert.Contains(t, Registered(), k)
	assert.Panics(t, func() { Register(k, open) }, "a kind registered twice is a programming error")
	_, ok = Lookup("no_such_kind")
	assert.False(t, ok)
}

func TestApplyIgnoresOtherKindsSettings(t *testing.T) {
	type mine struct{ n int }
	type theirs struct{ s string }
	setN := func(o any) {
		if o, ok := o.(*mine); ok {
			o.n = 3
		}
	}
	setS := func(o any) {
		if o, ok := o.(*theirs); ok {
			o.s = "x"
		}
	}
	var m mine
	Apply([]Setting{setN, setS}, &m)
	assert.Equal(t, mine{n: 3}, m)
}

func TestRunOptionsWithDefaults(t *testing.T) {
	o, err := RunOptions{}.WithDefaults("k", 8)
	require.NoError(t, err)
	assert.Equal(t, RunOptions{BatchSize: 8, Threads: 1}, o)
	_, err = RunOptions{Threads: -1}.WithDefaults("k", 8)
	assert.ErrorContains(t, err, "k: batch size 0, threads -1 and GPU device 0 must not be negative")
}

func TestModuleAsset(t *testing.T) {
	model := &store.Model{Name: "m"}
	m := &Module{Dir: "/mod", Manifest: &store.Manifest{Assets: map[string]string{store.AssetLabelList: "assets/l.txt"}}, Model: model}
	p, err := m.Asset(store.AssetLabelList, "")
	require.NoError(t, err)
	assert.Equal(t, "/mod/assets/l.txt", p)
	_, err = m.Asset(store.AssetWordDict, "one word a line")
	var me *store.ManifestError
	require.ErrorAs(t, err, &me)
	assert.Contains(t, err.Error(), `model "m" needs a "word_dict" (one word a line)`)
}
