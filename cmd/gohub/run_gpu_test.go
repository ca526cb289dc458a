package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/internal/shared"
	"github.com/gohub/gohub/paddle"
)

// refusedForNoGPU checks, where no GPU is usable, that a command asked to use one failed at run
// time with the CUDA backend's reason and wrote nothing, and says whether it did (false where a
// GPU is usable: the caller checks the GPU run).
func refusedForNoGPU(t *testing.T, code int, stdout, stderr string, msgAndArgs ...any) bool {
	t.Helper()
	reason, unavailable := strings.CutPrefix(paddle.GPUInfo(), "unavailable: ")
	if !unavailable {
		return false
	}
	assert.Equal(t, 2, code, append([]any{stderr}, msgAndArgs...)...)
	assert.Contains(t, stderr, reason, msgAndArgs...)
	assert.Empty(t, stdout, msgAndArgs...)
	return true
}

// detected is one object or face of --output json: what the places must agree on.
type detected struct {
	Label      string  `json:"label"`
	Confidence float64 `json:"confidence"`
}

// The detection and face modules asked to run on the GPU find what the CPU finds, the same
// labels with confidences within float32 noise; or, without a usable GPU, fail with the
// backend's reason. The binary, as a user types it.
func TestRunDetectionUseGPU(t *testing.T) {
	dog, err := shared.Path("data", "images", "pld_dog.jpg")
	if err != nil {
		t.Skipf("shared image absent: %v", err)
	}
	mask, face, crowd := faceModules(t)
	r := newRunner(t)
	res := r.run("install", ssdModuleDir(t), mask, face)
	require.Equal(t, 0, res.code, res.stderr)

	for _, tt := range []struct{ module, input, thresh string }{
		{"ssd_mobilenet_v1_pascal", dog, "--score_thresh"},
		{"pyramidbox_lite_mobile_mask", crowd, "--confs_threshold"},
	} {
		args := []string{"run", tt.module, "--input_path", tt.input + "," + tt.input, "--output", "json",
			tt.thresh, "0.3"}
		onCPU := r.run(args...)
		require.Equal(t, 0, onCPU.code, onCPU.stderr)
		onGPU := r.run(append(args, "--use_gpu")...)
		if refusedForNoGPU(t, onGPU.code, onGPU.stdout, onGPU.stderr, tt.module) {
			continue
		}
		require.Equal(t, 0, onGPU.code, onGPU.stderr)
		var cpu, gpu []struct {
			Data []detected `json:"data"`
		}
		require.NoError(t, json.Unmarshal([]byte(onCPU.stdout), &cpu), onCPU.stdout)
		require.NoError(t, json.Unmarshal([]byte(onGPU.stdout), &gpu), onGPU.stdout)
		require.Len(t, gpu, len(cpu), tt.module)
		for i := range cpu {
			require.Len(t, gpu[i].Data, len(cpu[i].Data), "%s, picture %d", tt.module, i)
			require.NotEmpty(t, cpu[i].Data, tt.module)
			for k, want := range cpu[i].Data {
				assert.Equal(t, want.Label, gpu[i].Data[k].Label, "%s, picture %d, %d", tt.module, i, k)
				assert.InDelta(t, want.Confidence, gpu[i].Data[k].Confidence, 1e-3, "%s, picture %d, %d", tt.module, i, k)
			}
		}
	}
}
