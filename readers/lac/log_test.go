package lac

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestExactLog(t *testing.T) {
	// Python's math.log (glibc) on the same machine; 3 and 14 are where Go's math.Log is
	// one ulp off.
	tests := []struct {
		n    uint64
		want float64
	}{
		{0, 0},
		{1, 0},
		{2, 0x1.62e42fefa39efp-1},
		{3, 0x1.193ea7aad030bp+0},
		{4, 0x1.62e42fefa39efp+0},
		{14, 0x1.51cca16d7bba7p+1},
		{33, 0x1.bf8d8f4d5b8d1p+1},
		{24198058, 0x1.10074d8c4dfefp+4},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, exactLog(tt.n), "log(%d)", tt.n)
	}
	for n := uint64(2); n < 2000; n++ {
		assert.InDelta(t, math.Log(float64(n)), exactLog(n), 1e-15*math.Log(float64(n)), "log(%d)", n)
	}
}
