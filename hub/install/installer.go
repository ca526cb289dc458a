package install

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/gohub/gohub/hub/importer"
	"github.com/gohub/gohub/hub/internal/msg"
	"github.com/gohub/gohub/hub/progress"
	"github.com/gohub/gohub/hub/source"
	"github.com/gohub/gohub/hub/store"
	"github.com/gohub/gohub/internal/settings"
	"github.com/pkg/errors"
)

// Installer installs modules into a home from remote sources, archives, directories and
// the LAC package on PyPI. Every change to the store happens under the store lock, is
// staged in tmp/, verified, and moved into modules/ by one rename.
type Installer struct {
	Home     store.Home
	Servers  []string      // remote sources in the order they are tried
	Progress progress.Func // what the install is doing; nil for silence
	Force    bool          // reinstall even when the asked version is installed
	// Name, when set, installs an archive or directory under this name instead of the name
	// its module gives itself (e.g. a fine-tuned best_model/ as "catdog").
	Name    string
	Pip     []string // the command running pip, e.g. python3 -m pip; nil: no PyPI fallback
	Timeout time.Duration
	// Inspect loads a model of a staged module once and reads its inputs and outputs: a
	// module whose model does not load is refused (installed with a warning under Force).
	// nil skips the check, for callers that cannot load models.
	Inspect importer.InspectFunc
	client  *http.Client
}

// InstallResult says what Install did.
type InstallResult struct {
	Module   store.Installed
	Origin   string // the archive, directory or URL it came from
	Already  bool   // the module was installed already; nothing changed
	Replaced string // the version it replaced, if any
}

// New configures an installer from the home's config and the environment
// (GOHUB_SERVER, GOHUB_TIMEOUT, GOHUB_PIP).
func New(h store.Home, report progress.Func) (*Installer, error) {
	cfg, err := source.LoadConfig(h)
	if err != nil {
		return nil, err
	}
	timeout, err := settings.NetworkTimeout()
	if err != nil {
		return nil, err
	}
	return &Installer{Home: h, Servers: cfg.EffectiveServers(), Progress: report, Pip: settings.PipCommand(), Timeout: timeout}, nil
}

func (in *Installer) httpClient() *http.Client {
	if in.client == nil {
		in.client = source.NewHTTPClient(in.timeout())
	}
	return in.client
}

func (in *Installer) timeout() time.Duration {
	if in.Timeout > 0 {
		return in.Timeout
	}
	return source.DefaultTimeout
}

func (in *Installer) sources() ([]source.Source, error) {
	return source.FromServers(in.Servers, in.httpClient(), in.timeout())
}

func (in *Installer) downloader() *source.Downloader {
	return &source.Downloader{Client: in.httpClient(), Timeout: in.timeout(), Dir: filepath.Join(in.Home.CacheDir(), "downloads"),
		Progress: in.Progress, Retries: 5}
}

// Install installs a target: NAME, NAME==VERSION, an archive or a directory.
func (in *Installer) Install(ctx context.Context, arg string) (*InstallResult, error) {
	t, err := ParseTarget(arg)
	if err != nil {
		return nil, err
	}
	if t.Path == "" {
		if res := in.alreadyInstalled(t); res != nil {
			return res, nil
		}
	}
	lock, err := in.Home.Lock(ctx, in.Progress)
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	if err := in.Home.Recover(); err != nil {
		return nil, err
	}
	if t.Path != "" {
		return in.installPath(ctx, t.Path)
	}
	// Another process may have installed it while this one waited for the lock.
	if res := in.alreadyInstalled(t); res != nil {
		return res, nil
	}
	return in.installName(ctx, t)
}

// alreadyInstalled returns a result when the target is installed in the asked version.
func (in *Installer) alreadyInstalled(t Target) *InstallResult {
	if in.Force {
		return nil
	}
	cur, err := in.Home.Lookup(t.Name)
	if err != nil || (t.Version != "" && cur.Manifest.Version != t.Version) {
		return nil
	}
	return &InstallResult{Module: *cur, Already: true}
}

// installName tries every remote source in order, then PyPI for lac.
func (in *Installer) installName(ctx context.Context, t Target) (*InstallResult, error) {
	var errs []error
	srcs, err := in.sources()
	if err != nil {
		return nil, err
	}
	pip := in.pipApplies(t.Name)
	for i, src := range srcs {
		e, err := in.resolve(ctx, src, t)
		if err == nil {
			var res *InstallResult
			if res, err = in.installEntry(ctx, e, t.Name); err == nil {
				return res, nil
			}
		}
		errs = append(errs, &source.SourceError{Source: src.String(), Err: err})
		if i+1 < len(srcs) || pip {
			in.Progress.Statusf("%s: %v\nTrying the next source.", src, err)
		}
	}
	if pip {
		res, err := in.installFromPip(ctx, t.Version)
		if err == nil {
			return res, nil
		}
		errs = append(errs, &source.SourceError{Source: "PyPI (pip download lac)", Err: err})
	}
	return nil, &InstallError{Name: t.Name, Version: t.Version, Errs: errs}
}

// resolve asks a source for the target's archive, falling back to the source's cached
// listing when it cannot be reached (the archive host may still be up).
func (in *Installer) resolve(ctx context.Context, src source.Source, t Target) (source.Entry, error) {
	entries, err := src.Find(ctx, t.Name, t.Version)
	var unreachable *source.UnreachableError
	if err != nil && errors.As(err, &unreachable) {
		if c, cerr := source.LoadIndexCache(in.Home, src); cerr == nil && c != nil {
			if cached := source.FilterEntries(c.Entries, t.Name, t.Version); len(cached) > 0 {
				in.Progress.Statusf("%s is unreachable; using its index cached on %s.", src, c.Fetched.Format(time.RFC3339))
				entries, err = cached, nil
			}
		}
	}
	if err != nil {
		return source.Entry{}, err
	}
	if len(entries) == 0 {
		return source.Entry{}, source.NotFound(ctx, src, t.Name, t.Version)
	}
	return source.Latest(entries), nil
}

// installEntry downloads, verifies and installs one archive from a source.
func (in *Installer) installEntry(ctx context.Context, e source.Entry, want string) (*InstallResult, error) {
	if e.Digest().Empty() {
		in.Progress.Report(progress.Warning{Text: fmt.Sprintf("%s publishes no checksum for %s; its download cannot be verified.", e.Source, e.URL)})
	}
	archive, err := in.downloader().Fetch(ctx, e.URL, e.Digest())
	if err != nil {
		return nil, err
	}
	defer os.Remove(archive)
	return in.installArchive(ctx, archive, source.FileNameOf(e.URL), e.URL, want)
}

// installPath installs from an archive or directory the user has.
func (in *Installer) installPath(ctx context.Context, path string) (*InstallResult, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, &TargetError{Arg: path, Reason: "no such file or directory"}
	}
	abs, _ := filepath.Abs(path)
	if !fi.IsDir() {
		return in.installArchive(ctx, path, filepath.Base(abs), filepath.Base(abs), "")
	}
	stage, err := in.Home.StagingDir()
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	m, err := importer.Import(importer.Spec{Src: path, Dst: filepath.Join(stage, "module"), Origin: filepath.Base(abs), Home: &in.Home, Inspect: in.Inspect})
	if err != nil {
		return nil, err
	}
	return in.finishAndCommit(ctx, filepath.Join(stage, "module"), m, abs)
}

// installArchive extracts an archive in tmp/, maps it into a module and installs it. name
// is the archive's name for messages, want the module name asked for ("" for a file).
func (in *Installer) installArchive(ctx context.Context, archive, name, origin, want string) (*InstallResult, error) {
	stage, err := in.Home.StagingDir()
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	in.Progress.Report(progress.Unpack{Archive: name})
	extracted := filepath.Join(stage, "extracted")
	if err := importer.Extract(archive, name, extracted); err != nil {
		return nil, err
	}
	dst := filepath.Join(stage, "module")
	m, err := importer.Import(importer.Spec{Src: extracted, Dst: dst, Move: true, Origin: origin, Home: &in.Home, Inspect: in.Inspect})
	if err != nil {
		return nil, err
	}
	if want != "" && !source.MatchName(m.Name, want) {
		return nil, errors.Errorf("the archive for %s holds module %s instead; nothing was installed", want, m.Name)
	}
	return in.finishAndCommit(ctx, dst, m, origin)
}

// finishAndCommit verifies the staged module, completes and saves its manifest, and moves
// it into the store.
func (in *Installer) finishAndCommit(ctx context.Context, dir string, m *store.Manifest, origin string) (*InstallResult, error) {
	if in.Name != "" {
		m.Name = in.Name
		if err := m.Validate(); err != nil {
			return nil, err
		}
	}
	if err := mergeInstalled(in.Home, dir, m); err != nil {
		return nil, err
	}
	if err := in.checkFiles(dir, m); err != nil {
		return nil, err
	}
	res := &InstallResult{Origin: origin}
	if cur, err := in.Home.Lookup(m.Name); err == nil {
		// The same files again (e.g. the same archive installed twice): nothing to do.
		if !in.Force && cur.Manifest.Version == m.Version && maps.Equal(cur.Manifest.Checksums, m.Checksums) {
			return &InstallResult{Module: *cur, Origin: origin, Already: true}, nil
		}
		res.Replaced = cur.Manifest.Version
	}
	if err := in.loadModels(dir, m); err != nil {
		return nil, err
	}
	if err := store.CheckDiskFull(m.Save(dir), dir); err != nil {
		return nil, err
	}
	// Interrupted (Ctrl-C) while unpacking or verifying: stop before the store changes.
	if err := ctx.Err(); err != nil {
		return nil, errors.Wrap(err, "install interrupted; nothing was installed")
	}
	if err := in.Home.Commit(dir, m); err != nil {
		return nil, err
	}
	res.Module = store.Installed{Dir: filepath.Join(in.Home.ModulesDir(), m.Name), Manifest: m}
	return res, nil
}

// checkFiles checks the module's files against its checksums, or records them.
func (in *Installer) checkFiles(dir string, m *store.Manifest) error {
	if err := importer.CheckModuleFiles(dir, m); err != nil {
		return err
	}
	if len(m.Checksums) > 0 {
		return store.VerifyModule(dir, m)
	}
	sums, err := store.ModuleChecksums(dir)
	if err != nil {
		return store.CheckDiskFull(err, dir)
	}
	m.Checksums = sums
	return nil
}

// loadModels loads every model of the staged module once, so that a module that would
// fail at every run is never installed, and fills in the inputs and outputs the manifest
// lacks. Under Force a model that does not load is installed anyway, with a warning.
func (in *Installer) loadModels(dir string, m *store.Manifest) error {
	if in.Inspect == nil {
		return nil
	}
	for i := range m.Models {
		mo := &m.Models[i]
		inputs, outputs, err := in.Inspect(dir, mo)
		if err != nil {
			if !in.Force {
				return &ModelLoadError{Module: m.Name, Model: mo.Name, Err: err}
			}
			in.Progress.Report(progress.Warning{Text: fmt.Sprintf("model %s of %s does not load; installing it anyway (--force): %v", msg.Quote(mo.Name), m.Name, err)})
			continue
		}
		if len(mo.Inputs) == 0 || len(mo.Outputs) == 0 {
			mo.Inputs, mo.Outputs = inputs, outputs
		}
	}
	return nil
}
