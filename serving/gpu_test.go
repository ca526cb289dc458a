package serving

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/hub"
	"github.com/gohub/gohub/paddle"
)

// Modules served on the GPU (use_gpu) answer as on the CPU, concurrent clients sharing the
// GPU predictors; where no GPU is usable, loading them fails with the CUDA backend's reason
// instead of serving on the CPU.
func TestServeOnGPU(t *testing.T) {
	h := installed(t, "lac")
	onGPU := lacConfig(func(c *Config) { c.UseGPU = true })
	if reason, unavailable := strings.CutPrefix(paddle.GPUInfo(), "unavailable: "); unavailable {
		s, err := New(onGPU, WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
			WithLoader(func(name string, opts ...hub.Option) (*hub.Module, error) {
				return hub.Load(name, append(opts, hub.WithHome(h))...)
			}))
		require.NoError(t, err)
		err = s.Load(context.Background(), nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), reason)
		return
	}
	cpu, gpu := start(t, lacConfig(nil), h, nil), start(t, onGPU, h, nil)
	texts := []string{"今天是个好日子", "天气预报说今天要下雨", "我爱北京天安门", "百度是一家高科技公司"}
	want := map[string]string{}
	for _, text := range texts {
		body := fmt.Sprintf(`{"text": [%q]}`, text)
		code, _, raw := cpu.post(t, "/predict/lac", jsonType, body)
		require.Equal(t, http.StatusOK, code, raw)
		want[text] = raw
	}
	postLACConcurrently(t, gpu.url, texts, want, 8, 4)
}
