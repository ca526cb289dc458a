package paddle

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A NULL or FALSE result without a message (always the case with the official library,
// which has no PD_GetLastError) still becomes an *Error.
func TestCallFailedWithoutMessage(t *testing.T) {
	require.True(t, detailed, "the bundled library exports PD_GetLastError")
	t.Cleanup(func() { detailed = true })
	// Version clears the library's message, so the failure comes without one.
	fail := func() bool { Version(); return false }
	tests := []struct {
		detailed bool
		want     string
	}{
		{true, "the library gave no message"},
		{false, "detailed messages need gohub's bundled libpaddle_inference_c"},
	}
	for _, tt := range tests {
		detailed = tt.detailed
		err := callFailed("Op", fail)
		var libErr *Error
		require.ErrorAs(t, err, &libErr)
		assert.Equal(t, "Op", libErr.Op)
		assert.Contains(t, libErr.Message, tt.want)
	}
}
