package serving

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/internal/shared"
)

const jsonType = "application/json"

// TestServeLAC checks every endpoint with the real lac module, answers byte for byte.
func TestServeLAC(t *testing.T) {
	h := installed(t, "lac")
	ts := start(t, lacConfig(nil), h, nil)

	code, _, raw := ts.post(t, "/predict/lac", jsonType, `{"text": ["今天是个好日子"]}`)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, `{"msg":"","results":[{"word":["今天","是","个","好日子"],"tag":["TIME","v","q","n"]}],"status":"000"}`, raw)

	code, _, raw = ts.post(t, "/predict/lac", jsonType+"; charset=utf-8",
		`{"text": ["今天是个好日子", "", "天气预报说今天要下雨"], "batch_size": 1, "use_gpu": false, "return_tag": false}`)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, `{"msg":"","results":[{"word":["今天","是","个","好日子"]},{"word":[]},{"word":["天气预报","说","今天","要","下雨"]}],"status":"000"}`, raw)

	// One string for text, as PaddleHub's cut takes.
	code, r, _ := ts.post(t, "/predict/lac", jsonType, `{"text": "好日子"}`)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, []any{map[string]any{"word": []any{"好日子"}, "tag": []any{"n"}}}, r.Results)

	code, body := ts.get(t, "/get/modules")
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"module_info": {"nlp_module": [{"Choose...": "Choose..."}, {"lac": "lac"}]}}`, body)
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/": "POST JSON to /predict/<module>"} {
		code, body := ts.get(t, path)
		assert.Equal(t, http.StatusOK, code, path)
		assert.Contains(t, body, want, path)
	}
	code, _ = ts.get(t, "/nothing")
	assert.Equal(t, http.StatusNotFound, code)

	code, body = ts.get(t, "/metrics")
	assert.Equal(t, http.StatusOK, code)
	for _, want := range []string{
		`gohub_serving_requests_total{code="200",module="lac",status="000"} 3`,
		`gohub_serving_request_duration_seconds_count{module="lac"} 3`,
		`gohub_serving_batch_size_sum{module="lac"} 5`,
		`gohub_serving_queue_depth{module="lac"} 0`,
		`gohub_serving_ready 1`,
		`go_goroutines`, `process_resident_memory_bytes`,
	} {
		assert.Contains(t, body, want)
	}
}

// TestServeBadInput sends every kind of bad request; each gets PaddleHub's status and a
// clear message, and the server goes on answering.
func TestServeBadInput(t *testing.T) {
	h := installed(t, "lac")
	ts := start(t, lacConfig(func(c *Config) { c.MaxBodyBytes = 1000 }), h, nil)
	tests := []struct {
		name, path, contentType, body string
		code                          int
		status, msg                   string
	}{
		{"form post", "/predict/lac", "application/x-www-form-urlencoded", "text=a", 415, StatusNotJSON,
			"This usage is out of date, please use 'application/json' as content-type to post to /predict/lac."},
		{"no content type", "/predict/lac", "", `{"text": ["a"]}`, 415, StatusNotJSON, "please use 'application/json'"},
		{"not JSON", "/predict/lac", jsonType, `text: a`, 400, StatusNotJSON, "the body is not a JSON object"},
		{"truncated JSON", "/predict/lac", jsonType, `{"text": ["a"`, 400, StatusNotJSON, "the body is not a JSON object"},
		{"a JSON list", "/predict/lac", jsonType, `["a"]`, 400, StatusNotJSON, "the body is not a JSON object"},
		{"two values", "/predict/lac", jsonType, `{"text": ["a"]} {}`, 400, StatusNotJSON, "more than one JSON value"},
		{"wrong field", "/predict/lac", jsonType, `{"texts": ["a"]}`, 400, StatusPredictError, `unexpected field "texts" (lac takes "text"`},
		{"no field", "/predict/lac", jsonType, `{}`, 400, StatusPredictError, `missing field "text"`},
		{"text a number", "/predict/lac", jsonType, `{"text": 3}`, 400, StatusPredictError, `"text": want a list of strings`},
		{"text empty", "/predict/lac", jsonType, `{"text": []}`, 400, StatusPredictError, `"text" is empty`},
		{"return_tag a string", "/predict/lac", jsonType, `{"text": ["a"], "return_tag": "no"}`, 400, StatusPredictError, "return_tag: want true or false"},
		{"batch_size zero", "/predict/lac", jsonType, `{"text": ["a"], "batch_size": 0}`, 400, StatusPredictError, "batch_size: want a positive whole number"},
		{"unknown module", "/predict/ernie", jsonType, `{"text": ["a"]}`, 404, StatusNoModule, "Module ernie is not available."},
		{"oversized body", "/predict/lac", jsonType, `{"text": ["` + strings.Repeat("好", 400) + `"]}`, 413, StatusNotJSON, "the request body exceeds 1000 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, r, _ := ts.post(t, tt.path, tt.contentType, tt.body)
			assert.Equal(t, tt.code, code)
			assert.Equal(t, tt.status, r.Status)
			assert.Contains(t, r.Msg, tt.msg)
			assert.Equal(t, "", r.Results)
		})
	}
	code, body := ts.get(t, "/predict/lac")
	assert.Equal(t, http.StatusMethodNotAllowed, code)
	assert.Contains(t, body, "POST a JSON body")

	code, r, _ := ts.post(t, "/predict/lac", jsonType, `{"text": ["我爱北京天安门"]}`)
	assert.Equal(t, http.StatusOK, code, "the server still answers: %v", r.Msg)
	assert.Equal(t, StatusOK, r.Status)
	_, metrics := ts.get(t, "/metrics")
	assert.Contains(t, metrics, `gohub_serving_requests_total{code="404",module="",status="111"} 1`)
	assert.Contains(t, metrics, `gohub_serving_requests_total{code="400",module="lac",status="101"}`)
}

// TestServeConcurrentClients has many clients at once: each gets its own texts' results,
// and the requests share batches.
func TestServeConcurrentClients(t *testing.T) {
	h := installed(t, "lac")
	ts := start(t, lacConfig(func(c *Config) { c.MaxBatchWait = 5 * time.Millisecond }), h, nil)
	texts := []string{"今天是个好日子", "天气预报说今天要下雨", "我爱北京天安门", "百度是一家高科技公司", "春天来了"}
	want := map[string]string{}
	for _, text := range texts {
		code, _, raw := ts.post(t, "/predict/lac", jsonType, fmt.Sprintf(`{"text": [%q]}`, text))
		require.Equal(t, http.StatusOK, code, raw)
		want[text] = raw
	}
	const clients, each = 16, 6
	postLACConcurrently(t, ts.url, texts, want, clients, each)
	_, metrics := ts.get(t, "/metrics")
	var batches, inputs float64
	for _, line := range strings.Split(metrics, "\n") {
		if v, ok := strings.CutPrefix(line, `gohub_serving_batch_size_count{module="lac"} `); ok {
			_, _ = fmt.Sscan(v, &batches)
		}
		if v, ok := strings.CutPrefix(line, `gohub_serving_batch_size_sum{module="lac"} `); ok {
			_, _ = fmt.Sscan(v, &inputs)
		}
	}
	assert.Equal(t, float64(len(texts)+clients*each), inputs)
	assert.Less(t, batches, inputs, "concurrent requests shared batches")
	t.Logf("%v texts in %v batches", inputs, batches)
}

func readAll(resp *http.Response) string {
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(raw))
}

// TestServeShutdownFinishesRequestsInFlight shuts the server down while requests wait for
// their batch: every one of them is answered, later connections are refused.
func TestServeShutdownFinishesRequestsInFlight(t *testing.T) {
	h := installed(t, "lac")
	g := newGate()
	ts := start(t, lacConfig(func(c *Config) { c.Workers = 1; c.MaxBatchSize = 4 }), h, g.wrap)
	const n = 10
	answers := make(chan string, n)
	for range n {
		go ts.postAsync("/predict/lac", `{"text": ["今天是个好日子"]}`, answers)
	}
	// Every request is in the server: one batch held at the gate, the others queued.
	require.Eventually(t, func() bool { return g.held() == 1 && g.heldInputs()+ts.module("lac").batcher.depth() == n },
		10*time.Second, time.Millisecond)
	down := make(chan struct{})
	go func() { ts.shutdown(t); close(down) }()
	require.Eventually(t, func() bool {
		resp, err := http.Get(ts.url + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err != nil
	}, 5*time.Second, time.Millisecond, "new connections are refused while shutting down")
	close(g.open)
	for range n {
		assert.Equal(t, "200 000 [map[tag:[TIME v q n] word:[今天 是 个 好日子]]]", <-answers)
	}
	<-down
}

// TestServeClosesIdleConnections: a keep-alive connection that sends no next request is
// closed after the idle timeout. Before, it stayed open for good, and with it the server's
// goroutine and buffers for it: a load generator that opened 64 connections per round and
// never closed them grew the server 2-3 MB a round without end.
func TestServeClosesIdleConnections(t *testing.T) {
	h := installed(t, "lac")
	ts := start(t, lacConfig(func(c *Config) { c.IdleTimeout = 200 * time.Millisecond }), h, nil)
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.url, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: gohub\r\n\r\n")
	require.NoError(t, err)
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.False(t, resp.Close, "the connection is kept alive after the answer")

	start := time.Now()
	require.NoError(t, conn.SetReadDeadline(start.Add(10*time.Second)))
	_, err = r.ReadByte()
	assert.ErrorIs(t, err, io.EOF, "the server closes the idle connection (a timeout here means it kept it open)")
	assert.Less(t, time.Since(start), 5*time.Second)
}

// TestServeQueueLimitAndTimeout fills a module's queue: the next request gets 503 at once;
// a request that waits past the timeout gets 504.
func TestServeQueueLimitAndTimeout(t *testing.T) {
	h := installed(t, "lac")
	g := newGate()
	ts := start(t, lacConfig(func(c *Config) {
		c.Workers, c.MaxBatchSize, c.MaxQueue, c.MaxBatchWait, c.Timeout = 1, 1, 2, -1, 300*time.Millisecond
	}), h, g.wrap)
	answers := make(chan string, 3)
	for range 3 { // one held at the gate, two queued
		go ts.postAsync("/predict/lac", `{"text": ["好"]}`, answers)
	}
	require.Eventually(t, func() bool { return g.held() == 1 && ts.module("lac").batcher.depth() == 2 }, 5*time.Second, time.Millisecond)
	code, r, _ := ts.post(t, "/predict/lac", jsonType, `{"text": ["好"]}`)
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, StatusPredictError, r.Status)
	assert.Contains(t, r.Msg, "lac: 2 requests are waiting already; try again later")
	for range 3 {
		assert.Equal(t, "504 101 ", <-answers)
	}
	close(g.open)
	require.Eventually(t, func() bool { return ts.module("lac").batcher.depth() == 0 }, 5*time.Second, time.Millisecond)
	code, r, _ = ts.post(t, "/predict/lac", jsonType, `{"text": ["好"]}`)
	assert.Equal(t, http.StatusOK, code, r.Msg)
	_, metrics := ts.get(t, "/metrics")
	assert.Contains(t, metrics, `gohub_serving_requests_total{code="503",module="lac",status="101"} 1`)
	assert.Contains(t, metrics, `gohub_serving_requests_total{code="504",module="lac",status="101"} 3`)
}

// TestServeImageClassification serves the shared ShuffleNetV2 model: base64 pictures in,
// PaddleHub's {label: probability} per picture out; bad pictures get status 101.
func TestServeImageClassification(t *testing.T) {
	h := installed(t, "shufflenet_v2_imagenet")
	cat, err := shared.Path("data", "images", "pld_tabby_cat.jpg")
	if err != nil {
		t.Skipf("shared image absent: %v", err)
	}
	data, err := os.ReadFile(cat)
	require.NoError(t, err)
	b64 := base64.StdEncoding.EncodeToString(data)
	ts := start(t, Config{Modules: []ModuleConfig{{Name: "shufflenet_v2_imagenet", PredictArgs: map[string]any{"top_k": 2}}},
		Workers: 1, MaxBatchSize: 4}, h, nil)

	code, r, raw := ts.post(t, "/predict/shufflenet_v2_imagenet", jsonType,
		fmt.Sprintf(`{"images": [%q, %q], "top_k": 3}`, b64, "data:image/jpeg;base64,"+b64))
	require.Equal(t, http.StatusOK, code, raw)
	assert.Equal(t, StatusOK, r.Status)
	var results []map[string]float64
	b, _ := json.Marshal(r.Results)
	require.NoError(t, json.Unmarshal(b, &results))
	require.Len(t, results, 2)
	assert.Equal(t, results[0], results[1])
	assert.Len(t, results[0], 3)
	cats := 0
	for label := range results[0] {
		if strings.Contains(label, "cat") || label == "tabby" {
			cats++
		}
	}
	assert.Positive(t, cats, "a cat in the top 3: %v", results[0])

	// predict_args' top_k is the default.
	code, r, _ = ts.post(t, "/predict/shufflenet_v2_imagenet", jsonType, fmt.Sprintf(`{"images": [%q]}`, b64))
	require.Equal(t, http.StatusOK, code)
	assert.Len(t, r.Results.([]any)[0], 2)

	code, body := ts.get(t, "/get/modules")
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"module_info": {"cv_module": [{"Choose...": "Choose..."}, {"shufflenet_v2_imagenet": "shufflenet_v2_imagenet"}]}}`, body)

	for body, want := range map[string]string{
		`{"images": ["not base64!"]}`: "image 0 is not base64",
		`{"images": ["` + base64.StdEncoding.EncodeToString([]byte("hello, world")) + `"]}`: "image 0: not an image",
		`{"images": ["` + base64.StdEncoding.EncodeToString(data[:len(data)/2]) + `"]}`:     "image 0: broken JPEG image",
		`{"images": "` + b64[:8] + `"}`: `"images": want a list of base64 strings`,
		`{"image": []}`:                 `unexpected field "image"`,
		`{"images": [], "top_k": 0}`:    "top_k: want a positive whole number",
	} {
		code, r, _ := ts.post(t, "/predict/shufflenet_v2_imagenet", jsonType, body)
		assert.Equal(t, http.StatusBadRequest, code, want)
		assert.Equal(t, StatusPredictError, r.Status, want)
		assert.Contains(t, r.Msg, want)
	}
	entries, err := os.ReadDir(ts.tmpDir)
	require.NoError(t, err)
	assert.Empty(t, entries, "decoded pictures are removed once answered")
}
