package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pkg/errors"
	"github.com/urfave/cli/v2"

	"github.com/gohub/gohub/hub"
	"github.com/gohub/gohub/hub/store"
	"github.com/gohub/gohub/serving"
)

func servingCommand() *cli.Command {
	return &cli.Command{
		Name:  "serving",
		Usage: "serve installed modules over HTTP (PaddleHub Serving's API)",
		Subcommands: []*cli.Command{
			{
				Name:      "start",
				Usage:     "serve modules until stopped",
				ArgsUsage: "[MODULE...]",
				Description: `Serves installed modules with PaddleHub Serving's HTTP API:

   gohub serving start -m lac
   curl -s -X POST -H 'Content-Type: application/json' \
        -d '{"text": ["今天是个好日子"]}' localhost:8866/predict/lac

POST /predict/MODULE takes PaddleHub 2.x's JSON body ({"text": [...]} for lac,
{"images": ["<base64>", ...]} for image modules) and answers
{"msg": "", "results": [...], "status": "000"}. PaddleHub 1.x's form posts work too:
POST /predict/text/lac (fields text=...&text=...) and POST /predict/image/MODULE
(files named image), answered as 1.x does. GET /get/modules lists the modules;
/healthz, /readyz and /metrics (Prometheus) are for operations. Requests that arrive
together run as one batch of up to --max_batch_size inputs, waiting up to
--max_batch_wait for company; beyond --max_queue waiting requests a module answers 503.
-c reads PaddleHub's config file (modules_info with init_args and predict_args, port,
workers, timeout; gohub adds max_batch_size, max_batch_wait_ms, max_queue,
max_body_bytes, idle_timeout, legacy_status); the other flags are then ignored. SIGTERM,
SIGINT or 'gohub serving stop' end the server once the requests in flight are answered.`,
				Flags: []cli.Flag{
					&cli.StringSliceFlag{Name: "modules", Aliases: []string{"m"}, Usage: "serve `MODULE` (NAME or NAME==VERSION); more may follow as arguments"},
					&cli.IntFlag{Name: "port", Aliases: []string{"p"}, Value: serving.DefaultPort, Usage: "listen on `PORT` (all interfaces)"},
					&cli.StringFlag{Name: "config", Aliases: []string{"c"}, Usage: "read PaddleHub's serving config `FILE`", TakesFile: true},
					&cli.IntFlag{Name: "workers", Aliases: []string{"w"}, Usage: "`N` batches run at once per module, one predictor each (default: one per CPU core)"},
					&cli.Float64Flag{Name: "timeout", Value: serving.DefaultTimeout.Seconds(), Usage: "answer each request within `SECONDS` (503/504 beyond)"},
					&cli.IntFlag{Name: "max_batch_size", Value: serving.DefaultMaxBatchSize, Usage: "run up to `N` inputs of waiting requests as one batch"},
					&cli.DurationFlag{Name: "max_batch_wait", Value: serving.DefaultMaxBatchWait, Usage: "wait up to `DURATION` for more requests to batch (0: none)"},
					&cli.IntFlag{Name: "max_queue", Value: serving.DefaultMaxQueue, Usage: "refuse requests (503) beyond `N` waiting per module"},
					&cli.BoolFlag{Name: "legacy_status", Usage: `answer with PaddleHub 1.x's status codes ("0", "-1") rather than 2.x's`},
					&cli.BoolFlag{Name: "use_gpu", Usage: "run the modules on the GPU (needs a Paddle library built with CUDA)"},
					&cli.IntFlag{Name: "gpu_id", Aliases: []string{"i", "gpu"}, Usage: "the `GPU` to run on with --use_gpu"},
					&cli.BoolFlag{Name: "use_multiprocess", Hidden: true, Usage: "accepted for PaddleHub's sake: one gohub process uses every core"},
				},
				Action: servingStart,
			},
			{
				Name:  "stop",
				Usage: "stop the server on a port",
				Flags: []cli.Flag{
					&cli.IntFlag{Name: "port", Aliases: []string{"p"}, Value: serving.DefaultPort, Usage: "the server's `PORT`"},
				},
				Action: servingStop,
			},
		},
	}
}

// servingConfig reads the config file, or makes the config from the flags.
func servingConfig(c *cli.Context) (serving.Config, error) {
	if path := c.String("config"); path != "" {
		if c.IsSet("modules") || c.Args().Present() {
			fmt.Fprintln(c.App.ErrWriter, "gohub serving: -c given; the other parameters are ignored")
		}
		cfg, err := serving.LoadConfig(path)
		if err != nil {
			var ce *serving.ConfigError
			if errors.As(err, &ce) || errors.Is(err, serving.ErrOutdatedConfig) {
				return serving.Config{}, usageErrorf("gohub serving: %v", err)
			}
			return serving.Config{}, err
		}
		if cfg.Port == 0 {
			cfg.Port = serving.DefaultPort
		}
		return *cfg, nil
	}
	cfg := serving.Config{
		Port: c.Int("port"), Workers: c.Int("workers"),
		Timeout:      time.Duration(c.Float64("timeout") * float64(time.Second)),
		MaxBatchSize: c.Int("max_batch_size"), MaxBatchWait: c.Duration("max_batch_wait"),
		MaxQueue: c.Int("max_queue"), LegacyStatus: c.Bool("legacy_status"),
		UseGPU: c.Bool("use_gpu"), GPUDevice: c.Int("gpu_id"),
	}
	if cfg.MaxBatchWait == 0 {
		cfg.MaxBatchWait = -1 // none, rather than the default
	}
	for _, spec := range append(c.StringSlice("modules"), c.Args().Slice()...) {
		for _, s := range strings.Fields(spec) {
			name, version, _ := strings.Cut(s, "==")
			mc := serving.ModuleConfig{Name: name}
			if version != "" {
				mc.InitArgs = map[string]any{"version": version}
			}
			cfg.Modules = append(cfg.Modules, mc)
		}
	}
	if len(cfg.Modules) == 0 {
		return cfg, usageErrorf("gohub serving start: no module: give -m MODULE (e.g. -m lac) or -c FILE")
	}
	return cfg, nil
}

func servingStart(c *cli.Context) error {
	cfg, err := servingConfig(c)
	if err != nil {
		return err
	}
	h, err := home()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(c.App.ErrWriter, nil))
	srv, err := serving.New(cfg, serving.WithLogger(log), serving.WithLoader(func(name string, opts ...hub.Option) (*hub.Module, error) {
		return hub.Load(name, append(opts, hub.WithHome(h))...)
	}))
	if err != nil {
		return usageErrorf("gohub serving: %v", err)
	}
	cfg = srv.Config()
	if err := serving.CheckPort(cfg.Port); err != nil {
		return cli.Exit("gohub serving: "+err.Error(), exitRuntime)
	}
	l, err := net.Listen("tcp", ":"+strconv.Itoa(cfg.Port))
	if err != nil {
		return cli.Exit("gohub serving: "+err.Error(), exitRuntime)
	}
	names := make([]string, len(cfg.Modules))
	for i, m := range cfg.Modules {
		names[i] = m.Name
	}
	if err := serving.WritePIDFile(h, cfg.Port, names); err != nil {
		_ = l.Close()
		return err
	}
	defer removeOwnPIDFile(h, cfg.Port)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	loadErr := srv.Load(c.Context, func(name, version string) {
		fmt.Fprintf(c.App.ErrWriter, "%s == %s\n", name, version)
	})
	if loadErr == nil {
		log.Info("serving", "address", l.Addr().String(), "modules", strings.Join(names, ","),
			"workers", cfg.Workers, "max_batch_size", cfg.MaxBatchSize, "max_batch_wait", cfg.MaxBatchWait.String())
		select {
		case <-c.Context.Done():
			log.Info("shutting down: answering the requests in flight")
		case err := <-served:
			loadErr = err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout+5*time.Second)
	defer cancel()
	shutErr := srv.Shutdown(ctx)
	switch {
	case loadErr != nil && errors.Is(loadErr, context.Canceled):
		return nil
	case loadErr != nil:
		code := exitRuntime
		var unknown *store.UnknownModelError
		if errors.Is(loadErr, store.ErrNotInstalled) || errors.As(loadErr, &unknown) {
			code = exitUsage
		}
		return cli.Exit("gohub serving: "+loadErr.Error(), code)
	}
	return shutErr
}

// removeOwnPIDFile removes the port's PID file if it still names this process.
func removeOwnPIDFile(h store.Home, port int) {
	if p, err := serving.ReadPIDFile(h, port); err == nil && p.PID == os.Getpid() {
		_ = serving.RemovePIDFile(h, port)
	}
}

func servingStop(c *cli.Context) error {
	h, err := home()
	if err != nil {
		return err
	}
	port := c.Int("port")
	p, err := serving.ReadPIDFile(h, port)
	if errors.Is(err, serving.ErrNoPIDFile) {
		return usageErrorf("gohub serving stop: %v", err)
	}
	if err != nil {
		return err
	}
	if err := serving.RemovePIDFile(h, port); err != nil {
		return err
	}
	if !alive(p.PID) {
		fmt.Fprintln(c.App.Writer, "PaddleHub Serving has been stopped.")
		return nil
	}
	proc, err := os.FindProcess(p.PID)
	if err == nil {
		err = proc.Signal(syscall.SIGTERM)
	}
	if err != nil {
		return errors.Wrapf(err, "gohub serving stop: signal process %d", p.PID)
	}
	fmt.Fprintln(c.App.Writer, "PaddleHub Serving will stop.")
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if !alive(p.PID) {
			fmt.Fprintln(c.App.Writer, "PaddleHub Serving has been stopped.")
			return nil
		}
	}
	return cli.Exit(fmt.Sprintf("gohub serving stop: process %d is still running a minute after SIGTERM", p.PID), exitRuntime)
}
