package serving

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/hub/store"
)

func TestParseConfigPaddleHubTemplate(t *testing.T) {
	// PaddleHub's templates/serving_config.json, with gohub's keys added.
	c, err := ParseConfig([]byte(`{
	  "modules_info": {
	    "lac": {"init_args": {"version": "2.1.2", "user_dict": "./dict.txt"},
	            "predict_args": {"batch_size": 1, "use_gpu": false}},
	    "resnet50_vd_imagenet_ssld": {"init_args": {}, "predict_args": {"top_k": 3}}
	  },
	  "port": 8867, "use_multiprocess": true, "workers": 2, "timeout": 30, "gpu": "0,1",
	  "max_batch_size": 16, "max_batch_wait_ms": 2, "max_queue": 10, "max_body_bytes": 1000,
	  "idle_timeout": 5
	}`))
	require.NoError(t, err)
	assert.Equal(t, []ModuleConfig{
		{Name: "lac", InitArgs: map[string]any{"version": "2.1.2", "user_dict": "./dict.txt"},
			PredictArgs: map[string]any{"batch_size": json.Number("1"), "use_gpu": false}},
		{Name: "resnet50_vd_imagenet_ssld", InitArgs: map[string]any{}, PredictArgs: map[string]any{"top_k": json.Number("3")}},
	}, c.Modules)
	assert.Equal(t, Config{Modules: c.Modules, Port: 8867, Workers: 2, Timeout: 30 * time.Second, MaxBatchSize: 16,
		MaxBatchWait: 2 * time.Millisecond, MaxQueue: 10, MaxBodyBytes: 1000, IdleTimeout: 5 * time.Second}, *c)

	d, err := Config{Modules: c.Modules}.WithDefaults()
	require.NoError(t, err)
	assert.Equal(t, Config{Modules: c.Modules, Port: DefaultPort, Workers: runtime.NumCPU(), Timeout: DefaultTimeout,
		MaxBatchSize: DefaultMaxBatchSize, MaxBatchWait: DefaultMaxBatchWait, MaxQueue: DefaultMaxQueue,
		MaxBodyBytes: DefaultMaxBodyBytes, IdleTimeout: DefaultIdleTimeout}, d)
}

func TestParseConfigRefusals(t *testing.T) {
	// PaddleHub 1.3-1.5's list form gets PaddleHub's message.
	_, err := ParseConfig([]byte(`{"modules_info": [{"module": "lac", "version": "1.0.0", "batch_size": 200}], "use_gpu": false, "port": 8866}`))
	assert.ErrorIs(t, err, ErrOutdatedConfig)
	assert.ErrorContains(t, err, "This configuration method is outdated")

	for body, want := range map[string]string{
		`[1]`:                             "not a JSON object",
		`{"port": 8866}`:                  "modules_info names no module",
		`{"modules_info": {}, "prot": 1}`: `unknown key "prot"`,
		`{"modules_info": {"lac": {"init_arg": {}}}}`: `unknown field "init_arg"`,
		`{"modules_info": {"lac": {}}, "port": "x"}`:  "port",
	} {
		_, err := ParseConfig([]byte(body))
		var ce *ConfigError
		require.ErrorAs(t, err, &ce, body)
		assert.ErrorContains(t, err, want, body)
	}

	_, err = Config{Modules: []ModuleConfig{{Name: "lac"}, {Name: "lac"}}}.WithDefaults()
	assert.ErrorContains(t, err, "listed twice")
	_, err = Config{Modules: []ModuleConfig{{Name: "lac"}}, Port: 70000}.WithDefaults()
	assert.ErrorContains(t, err, "not a TCP port")

	path := filepath.Join(t.TempDir(), "config.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"modules_info": {"lac": {}}, "workers": -1}`), 0o644))
	c, err := LoadConfig(path)
	require.NoError(t, err)
	_, err = c.WithDefaults()
	assert.ErrorContains(t, err, "must not be negative")
	require.NoError(t, os.WriteFile(path, []byte(`{}`), 0o644))
	_, err = LoadConfig(path)
	assert.ErrorContains(t, err, "serving config "+path)
}

func TestPIDFileAndPortCheck(t *testing.T) {
	h := store.Home{Root: t.TempDir()}
	_, err := ReadPIDFile(h, 8866)
	assert.ErrorIs(t, err, ErrNoPIDFile)
	assert.ErrorContains(t, err, "please confirm the port [8866] you specified is correct")

	require.NoError(t, WritePIDFile(h, 8866, []string{"lac"}))
	assert.FileExists(t, filepath.Join(h.Root, "conf", "serving_8866.json"))
	p, err := ReadPIDFile(h, 8866)
	require.NoError(t, err)
	assert.Equal(t, os.Getpid(), p.PID)
	assert.Equal(t, []string{"lac"}, p.Modules)
	require.NoError(t, RemovePIDFile(h, 8866))
	require.NoError(t, RemovePIDFile(h, 8866))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	var pe *PortError
	require.ErrorAs(t, CheckPort(port), &pe)
	assert.EqualError(t, pe, fmt.Sprintf("Port %d is occupied, please change it.", port))
	require.NoError(t, l.Close())
	assert.NoError(t, CheckPort(port))
}
