package serving

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pkg/errors"
)

// Defaults of Config.
const (
	DefaultPort         = 8866
	DefaultTimeout      = 30 * time.Second // PaddleHub's (Gunicorn's) timeout
	DefaultIdleTimeout  = 60 * time.Second
	DefaultMaxBatchSize = 32
	DefaultMaxBatchWait = 5 * time.Millisecond
	DefaultMaxQueue     = 1024
	DefaultMaxBodyBytes = 32 << 20
)

// Config is what to serve and how. ParseConfig reads PaddleHub's config file into it:
//
//	{"modules_info": {"lac": {"init_args": {"version": "2.1.2", "user_dict": "dict.txt"},
//	                          "predict_args": {"batch_size": 1}}},
//	 "port": 8866, "workers": 2, "timeout": 30}
//
// and gohub's own keys max_batch_size, max_batch_wait_ms, max_queue, max_body_bytes,
// idle_timeout and legacy_status.
// Fields left 0 take their defaults (WithDefaults).
type Config struct {
	Modules []ModuleConfig
	Port    int
	// Workers is the number of batches a module runs at once, one predictor each (the
	// predictors share the module's weights); 0 means one per CPU core.
	Workers int
	// Timeout bounds each request, queueing included.
	Timeout time.Duration
	// IdleTimeout closes a keep-alive connection that has waited this long for its next
	// request. Every open connection holds a goroutine and its buffers, so without a bound
	// clients that open connections and never close them (a load generator whose connection
	// pools outlive each run) grow the server for good.
	IdleTimeout time.Duration
	// MaxBatchSize is the most inputs (texts, images) one batch takes from the requests
	// that are waiting; a request with more inputs runs alone.
	MaxBatchSize int
	// MaxBatchWait is how long a batch waits for more requests once it has one; negative
	// means not at all (0 means the default).
	MaxBatchWait time.Duration
	// MaxQueue is the most requests per module waiting for a batch; beyond it, 503.
	MaxQueue int
	// MaxBodyBytes is the largest request body; beyond it, 413.
	MaxBodyBytes int64
	// LegacyStatus answers with PaddleHub 1.x's status codes, "0" for success and "-1" for
	// any failure, in place of 2.x's.
	LegacyStatus bool
	// UseGPU runs the modules on GPU GPUDevice.
	UseGPU    bool
	GPUDevice int
}

// ModuleConfig is one module to serve: PaddleHub's init_args (the arguments of
// hub.Module: version, directory, and lac's user_dict; gohub adds model) and predict_args
// (the defaults of every request's arguments).
type ModuleConfig struct {
	Name        string
	InitArgs    map[string]any
	PredictArgs map[string]any
}

// ErrOutdatedConfig is PaddleHub's refusal of the list form of modules_info (PaddleHub
// 1.3–1.5).
var ErrOutdatedConfig = errors.New("This configuration method is outdated, see " +
	"'https://github.com/PaddlePaddle/PaddleHub/blob/release/v1.6/docs/tutorial/serving.md' for more details.")

// ConfigError is a config file that cannot be served.
type ConfigError struct {
	Path   string // "" for ParseConfig's bytes
	Reason string
}

func (e *ConfigError) Error() string {
	if e.Path == "" {
		return "serving config: " + e.Reason
	}
	return "serving config " + e.Path + ": " + e.Reason
}

// LoadConfig reads a config file (ParseConfig).
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrap(err, "read serving config")
	}
	c, err := ParseConfig(data)
	var ce *ConfigError
	if errors.As(err, &ce) {
		ce.Path = path
	}
	return c, err
}

// ParseConfig reads PaddleHub's serving config. Keys it does not know are refused, so
// that a misspelt one is not silently ignored; use_multiprocess is accepted and ignored
// (one gohub process uses every core).
func ParseConfig(data []byte) (*Config, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, &ConfigError{Reason: "not a JSON object: " + err.Error()}
	}
	c := &Config{}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := raw[k]
		var err error
		switch k {
		case "modules_info":
			c.Modules, err = parseModules(v)
		case "port":
			err = json.Unmarshal(v, &c.Port)
		case "workers":
			err = json.Unmarshal(v, &c.Workers)
		case "timeout":
			c.Timeout, err = seconds(v)
		case "idle_timeout":
			c.IdleTimeout, err = seconds(v)
		case "max_batch_size":
			err = json.Unmarshal(v, &c.MaxBatchSize)
		case "max_batch_wait_ms":
			var ms float64
			if err = json.Unmarshal(v, &ms); err == nil {
				c.MaxBatchWait = time.Duration(ms * float64(time.Millisecond))
				if ms == 0 {
					c.MaxBatchWait = -1
				}
			}
		case "max_queue":
			err = json.Unmarshal(v, &c.MaxQueue)
		case "max_body_bytes":
			err = json.Unmarshal(v, &c.MaxBodyBytes)
		case "use_gpu":
			err = json.Unmarshal(v, &c.UseGPU)
		case "legacy_status":
			err = json.Unmarshal(v, &c.LegacyStatus)
		case "gpu", "gpu_id":
			c.GPUDevice, err = gpuID(v)
		case "use_multiprocess", "use_singleprocess":
			var b bool
			err = json.Unmarshal(v, &b)
		default:
			return nil, &ConfigError{Reason: fmt.Sprintf("unknown key %q", k)}
		}
		if errors.Is(err, ErrOutdatedConfig) {
			return nil, err
		}
		if err != nil {
			return nil, &ConfigError{Reason: fmt.Sprintf("%s: %v", k, err)}
		}
	}
	if len(c.Modules) == 0 {
		return nil, &ConfigError{Reason: "modules_info names no module"}
	}
	return c, nil
}

// parseModules reads modules_info, an object of module names, in the order of the file.
func parseModules(v json.RawMessage) ([]ModuleConfig, error) {
	if t := bytes.TrimSpace(v); len(t) > 0 && t[0] == '[' {
		return nil, ErrOutdatedConfig
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("want an object of module names")
	}
	var out []ModuleConfig
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name := tok.(string)
		var m struct {
			InitArgs    map[string]any `json:"init_args"`
			PredictArgs map[string]any `json:"predict_args"`
		}
		var body json.RawMessage
		if err := dec.Decode(&body); err != nil {
			return nil, err
		}
		strict := json.NewDecoder(bytes.NewReader(body))
		strict.DisallowUnknownFields()
		strict.UseNumber()
		if err := strict.Decode(&m); err != nil {
			return nil, errors.Wrapf(err, "module %s", name)
		}
		out = append(out, ModuleConfig{Name: name, InitArgs: m.InitArgs, PredictArgs: m.PredictArgs})
	}
	return out, nil
}

// seconds reads a number of seconds.
func seconds(v json.RawMessage) (time.Duration, error) {
	var s float64
	if err := json.Unmarshal(v, &s); err != nil {
		return 0, err
	}
	if s < 0 {
		return 0, errors.New("must not be negative")
	}
	return time.Duration(s * float64(time.Second)), nil
}

// gpuID reads PaddleHub's gpu, a number or a list such as "0,1" of which gohub uses the
// first.
func gpuID(v json.RawMessage) (int, error) {
	var n int
	if err := json.Unmarshal(v, &n); err == nil {
		return n, nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return 0, errors.New("want a GPU number")
	}
	first, _, _ := strings.Cut(s, ",")
	return strconv.Atoi(strings.TrimSpace(first))
}

// WithDefaults checks c and fills in what it leaves 0.
func (c Config) WithDefaults() (Config, error) {
	if c.Port == 0 {
		c.Port = DefaultPort
	}
	if c.Workers == 0 {
		c.Workers = runtime.NumCPU()
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.MaxBatchSize == 0 {
		c.MaxBatchSize = DefaultMaxBatchSize
	}
	if c.MaxBatchWait == 0 {
		c.MaxBatchWait = DefaultMaxBatchWait
	}
	if c.MaxBatchWait < 0 {
		c.MaxBatchWait = 0
	}
	if c.MaxQueue == 0 {
		c.MaxQueue = DefaultMaxQueue
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	switch {
	case c.Port < 0 || c.Port > 65535:
		return c, &ConfigError{Reason: fmt.Sprintf("port %d is not a TCP port", c.Port)}
	case c.Workers < 0, c.MaxBatchSize < 0, c.MaxQueue < 0, c.MaxBodyBytes < 0, c.Timeout < 0, c.IdleTimeout < 0, c.GPUDevice < 0:
		return c, &ConfigError{Reason: "workers, max_batch_size, max_queue, max_body_bytes, timeout, idle_timeout and gpu must not be negative"}
	case len(c.Modules) == 0:
		return c, &ConfigError{Reason: "no module to serve"}
	}
	seen := map[string]bool{}
	for _, m := range c.Modules {
		if seen[m.Name] {
			return c, &ConfigError{Reason: fmt.Sprintf("module %s is listed twice", m.Name)}
		}
		seen[m.Name] = true
	}
	return c, nil
}
