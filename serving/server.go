package serving

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/errors"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gohub/gohub/hub"
	"github.com/gohub/gohub/readers/picture"
)

// PaddleHub 2.x's status codes.
const (
	StatusOK           = "000"
	StatusPredictError = "101"
	StatusNoModule     = "111"
	StatusNotJSON      = "112"
)

// Response is PaddleHub's answer, its keys in Flask's (sorted) order.
type Response struct {
	Msg     string `json:"msg"`
	Results any    `json:"results"`
	Status  string `json:"status"`
}

// Server serves modules over HTTP. Make one with New, load its modules with Load (the
// server answers /healthz and, with 503, /readyz meanwhile), and stop it with Shutdown.
type Server struct {
	cfg     Config
	log     *slog.Logger
	load    func(string, ...hub.Option) (*hub.Module, error)
	tmpDir  string
	mux     *http.ServeMux
	metrics *metrics

	mu      sync.RWMutex
	modules map[string]*module
	order   []string // modules in the config's order
	ready   atomic.Bool
	http    *http.Server

	wrap func(runFunc) runFunc // tests hold batches with it
}

// Option tunes New.
type Option func(*Server)

// WithLogger logs to l instead of slog.Default().
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithLoader loads modules with load instead of hub.Load (e.g. with hub.WithHome bound).
func WithLoader(load func(string, ...hub.Option) (*hub.Module, error)) Option {
	return func(s *Server) { s.load = load }
}

// New makes a server for cfg; it serves nothing until Load has loaded its modules.
func New(cfg Config, opts ...Option) (*Server, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: slog.Default(), load: hub.Load, modules: map[string]*module{}}
	for _, o := range opts {
		o(s)
	}
	if s.tmpDir, err = os.MkdirTemp("", "gohub-serving-"); err != nil {
		return nil, errors.Wrap(err, "serving: temporary directory")
	}
	s.metrics = newMetrics(s)
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/{$}", s.index)
	s.mux.HandleFunc("/predict/{module}", s.predict)
	s.mux.HandleFunc("/predict/text/{module}", s.formRoute("text", s.answerText))
	s.mux.HandleFunc("/predict/image/{module}", s.formRoute("image", s.answerImage))
	s.mux.HandleFunc("/get/modules", s.getModules)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	s.http = &http.Server{Handler: s.mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: cfg.IdleTimeout,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	return s, nil
}

// Config is the server's configuration, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

// Load loads every module of the config, in order; report is told each one's name and
// version as it is ready (PaddleHub prints "lac == 2.2.0"). The server is ready once all
// have loaded; on error the modules loaded so far stay served.
func (s *Server) Load(ctx context.Context, report func(name, version string)) error {
	for _, mc := range s.cfg.Modules {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		m, err := openModule(mc, s.cfg, s.load, s.tmpDir)
		if err != nil {
			return err
		}
		sizes := s.metrics.batchSize.WithLabelValues(m.name)
		if s.wrap != nil {
			m.run = s.wrap(m.run)
		}
		m.batcher = newBatcher(m.run, s.cfg.Workers, s.cfg.MaxBatchSize, s.cfg.MaxQueue, s.cfg.MaxBatchWait,
			func(n int) { sizes.Observe(float64(n)) })
		s.mu.Lock()
		s.modules[m.name] = m
		s.order = append(s.order, m.name)
		s.mu.Unlock()
		s.metrics.addQueue(m)
		s.log.Info("module loaded", "module", m.name, "version", m.version, "kind", m.kind, "seconds", time.Since(start).Seconds())
		if report != nil {
			report(m.name, m.version)
		}
	}
	s.ready.Store(true)
	return nil
}

// Serve answers requests on l until Shutdown; it returns nil after Shutdown.
func (s *Server) Serve(l net.Listener) error {
	if err := s.http.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops taking connections, waits for the requests in flight (they finish unless
// ctx ends first), then runs what is queued and closes the modules.
func (s *Server) Shutdown(ctx context.Context) error {
	s.ready.Store(false)
	err := s.http.Shutdown(ctx)
	s.mu.Lock()
	mods := s.modules
	s.modules = map[string]*module{}
	s.mu.Unlock()
	for _, m := range mods {
		m.batcher.stop()
		if cerr := m.mod.Close(); err == nil {
			err = cerr
		}
	}
	if rerr := os.RemoveAll(s.tmpDir); err == nil {
		err = rerr
	}
	return err
}

func (s *Server) module(name string) *module {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.modules[name]
}

// index is PaddleHub 2.x's answer at /.
func (s *Server) index(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "暂不提供可视化界面，请直接使用脚本进行请求。(No web page: POST JSON to /predict/<module>.)")
}

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	if !s.ready.Load() {
		http.Error(w, "loading modules", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// getModules answers PaddleHub's {"module_info": {"nlp_module": [...], "cv_module": [...]}}.
func (s *Server) getModules(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	info := map[string][]map[string]string{}
	s.mu.RLock()
	for _, name := range s.order {
		m := s.modules[name]
		if m == nil {
			continue
		}
		key := m.category() + "_module"
		if info[key] == nil {
			info[key] = []map[string]string{{"Choose...": "Choose..."}}
		}
		info[key] = append(info[key], map[string]string{name: name})
	}
	s.mu.RUnlock()
	writeJSON(w, http.StatusOK, map[string]any{"module_info": info})
}

// predict answers POST /predict/<module>.
func (s *Server) predict(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	name := r.PathValue("module")
	code, resp := s.answer(w, r, name)
	s.reply(w, name, start, code, resp, s.cfg.LegacyStatus)
}

// reply writes an answer, counts it and logs it if it failed; legacy writes PaddleHub
// 1.x's status codes (the metrics keep 2.x's, which say more).
func (s *Server) reply(w http.ResponseWriter, name string, start time.Time, code int, resp Response, legacy bool) {
	status := resp.Status
	if legacy {
		resp.Status = legacyStatus(resp.Status)
	}
	writeJSON(w, code, resp)
	resp.Status = status
	s.metrics.observe(name, s.module(name) != nil, resp.Status, code, time.Since(start))
	if code >= 500 {
		s.log.Warn("predict failed", "module", name, "http", code, "status", resp.Status, "msg", resp.Msg)
	} else if code != http.StatusOK {
		s.log.Info("bad request", "module", name, "http", code, "status", resp.Status, "msg", resp.Msg)
	}
}

// legacyStatus is PaddleHub 1.x's status for a 2.x one.
func legacyStatus(status string) string {
	if status == StatusOK {
		return "0"
	}
	return "-1"
}

func fail(code int, status, format string, a ...any) (int, Response) {
	return code, Response{Msg: fmt.Sprintf(format, a...), Results: "", Status: status}
}

// answer runs one prediction and says what to answer.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, name string) (int, Response) {
	if r.Method != http.MethodPost {
		return fail(http.StatusMethodNotAllowed, StatusPredictError, "POST a JSON body to /predict/%s", name)
	}
	m := s.module(name)
	if m == nil {
		return s.missing(name)
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return fail(http.StatusUnsupportedMediaType, StatusNotJSON,
			"This usage is out of date, please use 'application/json' as content-type to post to /predict/%s.", name)
	}
	var body map[string]json.RawMessage
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err := dec.Decode(&body); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fail(http.StatusRequestEntityTooLarge, StatusNotJSON, "the request body exceeds %d bytes", s.cfg.MaxBodyBytes)
		}
		return fail(http.StatusBadRequest, StatusNotJSON, "the body is not a JSON object: %v", err)
	}
	if dec.More() {
		return fail(http.StatusBadRequest, StatusNotJSON, "the body holds more than one JSON value")
	}
	req, err := m.parse(m, body, m.images)
	if err != nil {
		return parseFailed(err)
	}
	defer req.cleanup()
	return s.run(r.Context(), m, req)
}

// parseFailed answers a request that could not be read: 400 for the client's mistake,
// 500 for the server's (a temporary file it could not write).
func parseFailed(err error) (int, Response) {
	var in *InputError
	if errors.As(err, &in) {
		return fail(http.StatusBadRequest, StatusPredictError, "%s", err)
	}
	return fail(http.StatusInternalServerError, StatusPredictError, "%s", err)
}

// run queues a parsed request on its module's batcher and answers with its results.
func (s *Server) run(ctx context.Context, m *module, req *request) (int, Response) {
	name := m.name
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	results, err := m.batcher.do(ctx, req.inputs)
	var bad *picture.FileError
	switch {
	case errors.Is(err, ErrQueueFull):
		return fail(http.StatusServiceUnavailable, StatusPredictError, "%s: %d requests are waiting already; try again later", name, s.cfg.MaxQueue)
	case errors.Is(err, errStopped):
		return fail(http.StatusServiceUnavailable, StatusPredictError, "%s: %v", name, err)
	case errors.Is(err, context.DeadlineExceeded):
		return fail(http.StatusGatewayTimeout, StatusPredictError, "%s: no answer within %v", name, s.cfg.Timeout)
	case errors.Is(err, context.Canceled):
		return fail(499, StatusPredictError, "%s: the client went away", name) // nginx's "client closed request"
	case errors.As(err, &bad):
		// Pictures are decoded once, by the module: one that does not decode is found there.
		return fail(http.StatusBadRequest, StatusPredictError, "%s", req.badPicture(m, bad))
	case err != nil:
		return fail(http.StatusInternalServerError, StatusPredictError, "%s", err)
	}
	if req.post != nil {
		for i, v := range results {
			results[i] = req.post(v)
		}
	}
	return http.StatusOK, Response{Msg: "", Results: results, Status: StatusOK}
}

// missing answers a request for a module that is not served (yet).
func (s *Server) missing(name string) (int, Response) {
	if !s.ready.Load() && s.configured(name) {
		return fail(http.StatusServiceUnavailable, StatusNoModule, "Module %s is loading.", name)
	}
	return fail(http.StatusNotFound, StatusNoModule, "Module %s is not available.", name)
}

// configured reports whether the config names a module.
func (s *Server) configured(name string) bool {
	for _, m := range s.cfg.Modules {
		if m.Name == name {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		code = http.StatusInternalServerError
		b.Reset()
		_ = json.NewEncoder(&b).Encode(Response{Msg: "encode the results: " + err.Error(), Results: "", Status: StatusPredictError})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(b.String()))
}

// metrics are the server's Prometheus collectors, on a registry of its own.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	batchSize *prometheus.HistogramVec
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gohub_serving_requests_total", Help: "Prediction requests answered, by module, PaddleHub status and HTTP code.",
		}, []string{"module", "status", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gohub_serving_request_duration_seconds", Help: "Time to answer a prediction request, queueing included.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
		}, []string{"module"}),
		batchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gohub_serving_batch_size", Help: "Inputs per model run after dynamic batching.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 9),
		}, []string{"module"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.batchSize,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "gohub_serving_ready", Help: "1 once every module has loaded.",
		}, func() float64 {
			if s.ready.Load() {
				return 1
			}
			return 0
		}))
	return m
}

// addQueue exports a module's queue depth.
func (m *metrics) addQueue(mod *module) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "gohub_serving_queue_depth", Help: "Requests waiting for a batch.",
		ConstLabels: prometheus.Labels{"module": mod.name},
	}, func() float64 { return float64(mod.batcher.depth()) }))
}

// observe counts one answered request; unknown module names are counted under "" so that
// clients cannot grow the label set.
func (m *metrics) observe(name string, known bool, status string, code int, d time.Duration) {
	if !known {
		name = ""
	}
	m.requests.WithLabelValues(name, status, fmt.Sprint(code)).Inc()
	if known {
		m.latency.WithLabelValues(name).Observe(d.Seconds())
	}
}
