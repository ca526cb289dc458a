package serving

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
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
	const clients, each = 8, 4
	var wg sync.WaitGroup
	errs := make(chan string, clients*each)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				text := texts[(c+i)%len(texts)]
				resp, err := http.Post(gpu.url+"/predict/lac", jsonType, strings.NewReader(fmt.Sprintf(`{"text": [%q]}`, text)))
				if err != nil {
					errs <- err.Error()
					continue
				}
				if raw := readAll(resp); resp.StatusCode != http.StatusOK || raw != want[text] {
					errs <- fmt.Sprintf("%s: %d %s, want %s", text, resp.StatusCode, raw, want[text])
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
