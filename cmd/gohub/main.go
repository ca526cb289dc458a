// Command gohub finds, installs, inspects and runs PaddlePaddle modules: PaddleHub's `hub`
// for Go. Results go to stdout; progress, warnings and errors to stderr. Exit status: 0
// success, 1 usage error or module not found, 2 failure at run time, 128+N stopped by signal
// N (130 SIGINT, 143 SIGTERM).
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/gohub/gohub/internal/settings"
	"github.com/pkg/errors"
	"github.com/urfave/cli/v2"
)

// version is gohub's version; release builds set it with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	ctx, stop := signalContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// signalContext is signal.NotifyContext that keeps the signal as the context's cause, so
// that a command it stops can say which signal did and exit 128+N as shells expect.
func signalContext(parent context.Context, sigs ...os.Signal) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	go func() {
		select {
		case sig := <-ch:
			cancel(&interruptedError{sig: sig})
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		cancel(nil)
	}
}

// run executes one command line and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	err := app.RunContext(ctx, flagsFirst(app, args))
	// A command that fails once a signal has cancelled its context failed because of it,
	// whatever its own error says (often just "context canceled").
	var sig *interruptedError
	if err != nil && errors.As(context.Cause(ctx), &sig) {
		err = &interruptedError{sig: sig.sig, err: err}
	}
	return report(stderr, err)
}

func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:                  "gohub",
		Usage:                 "find, install and run PaddlePaddle modules (PaddleHub for Go)",
		Version:               version,
		HideVersion:           true, // `gohub version` says more than --version could
		Writer:                stdout,
		ErrWriter:             stderr,
		CustomAppHelpTemplate: cli.AppHelpTemplate + envHelp,
		// Errors are printed and mapped to exit codes in one place, report.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError:   onUsageError,
		Action:         noCommand,
		Commands: []*cli.Command{
			installCommand(),
			uninstallCommand(),
			downloadCommand(),
			searchCommand(),
			listCommand(),
			showCommand(),
			runCommand(),
			finetuneCommand(),
			configCommand(),
			indexCommand(),
			servingCommand(),
			versionCommand(),
		},
	}
	for _, c := range app.Commands {
		setUsageErrors(c)
	}
	return app
}

func setUsageErrors(c *cli.Command) {
	if c.OnUsageError == nil {
		c.OnUsageError = onUsageError
	}
	for _, sub := range c.Subcommands {
		setUsageErrors(sub)
	}
}

// noCommand runs for `gohub` alone or an unknown command: both are usage errors.
func noCommand(c *cli.Context) error {
	if c.Args().Present() {
		return usageErrorf("unknown command %q", c.Args().First())
	}
	cli.HelpPrinter(c.App.ErrWriter, c.App.CustomAppHelpTemplate, c.App)
	return &usageError{} // the help says it all
}

// envHelp lists the environment variables under the commands in `gohub --help`.
var envHelp = `
ENVIRONMENT:
` + settings.Help() + `
EXIT STATUS:
   0 success, 1 usage error or module not found, 2 failure while working,
   130 or 143 interrupted by SIGINT (Ctrl-C) or SIGTERM
`
