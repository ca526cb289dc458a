package paddle

// #include <stdlib.h>
// #include <pd_config.h>
// #include <pd_utils.h>
import "C"

import (
	"runtime"
	"unsafe"

	"github.com/pkg/errors"
)

// Config says where a model is and how a Predictor runs it. It is not safe for concurrent
// use. NewPredictor consumes it; otherwise call Destroy when done.
//
// Setters return the library's refusal as an error (e.g. gohub's CPU library refuses
// TensorRT). Getters return the value alone, the zero value once the config is destroyed.
type Config struct {
	c        *C.PD_Config
	consumed bool
	cleanup  runtime.Cleanup
}

// NewConfig creates an empty config.
func NewConfig() (*Config, error) {
	var p *C.PD_Config
	err := callFailed("NewConfig", func() bool {
		p = C.PD_ConfigCreate()
		return p != nil
	})
	if err != nil {
		return nil, err
	}
	cfg := &Config{c: p}
	// Only a safety net: a config lost without Destroy or NewPredictor is freed by the GC.
	cfg.cleanup = runtime.AddCleanup(cfg, func(p *C.PD_Config) { C.PD_ConfigDestroy(p) }, p)
	return cfg, nil
}

// Destroy frees the config. It is a no-op on a config already destroyed or consumed by
// NewPredictor, which owns it from then on.
func (c *Config) Destroy() {
	if c == nil || c.c == nil {
		return
	}
	c.cleanup.Stop()
	C.PD_ConfigDestroy(c.c)
	c.c = nil
}

// take hands the C config over to the library (PD_PredictorCreate owns it from then on).
func (c *Config) take() (*C.PD_Config, error) {
	p, err := c.handle("NewPredictor")
	if err != nil {
		return nil, err
	}
	c.cleanup.Stop()
	c.c, c.consumed = nil, true
	return p, nil
}

func (c *Config) handle(op string) (*C.PD_Config, error) {
	switch {
	case c == nil:
		return nil, errors.Wrapf(ErrDestroyed, "%s: nil config", op)
	case c.consumed:
		return nil, errors.Wrapf(ErrDestroyed, "%s: config already consumed by NewPredictor", op)
	case c.c == nil:
		return nil, errors.Wrapf(ErrDestroyed, "%s: config", op)
	}
	return c.c, nil
}

// set runs a setter and returns the library's error for it.
func (c *Config) set(op string, f func(*C.PD_Config)) error {
	defer runtime.KeepAlive(c)
	p, err := c.handle("Config." + op)
	if err != nil {
		return err
	}
	return call("Config."+op, func() { f(p) })
}

// setString is set for setters taking one string.
func (c *Config) setString(op, s string, f func(*C.PD_Config, *C.char)) error {
	cs, err := cString(s)
	if err != nil {
		return errors.Wrap(err, "Config."+op)
	}
	defer C.free(unsafe.Pointer(cs))
	return c.set(op, func(p *C.PD_Config) { f(p, cs) })
}

// setStrings is set for setters taking a list of names.
func (c *Config) setStrings(op string, ss []string, f func(*C.PD_Config, C.size_t, **C.char)) error {
	a, err := newCStrings(ss)
	if err != nil {
		return errors.Wrap(err, "Config."+op)
	}
	defer a.free()
	return c.set(op, func(p *C.PD_Config) { f(p, C.size_t(a.n), a.ptr) })
}

// flag reads a boolean getter; false once the config is gone.
func (c *Config) flag(f func(*C.PD_Config) C.PD_Bool) bool {
	defer runtime.KeepAlive(c)
	return c != nil && c.c != nil && f(c.c) != 0
}

// str reads a borrowed string getter.
func (c *Config) str(f func(*C.PD_Config) *C.char) string {
	defer runtime.KeepAlive(c)
	if c == nil || c.c == nil {
		return ""
	}
	return C.GoString(f(c.c))
}

// ---- model location ----

// SetModel names a combined model: a program file and one parameters file.
func (c *Config) SetModel(model, params string) error {
	cm, err := cString(model)
	if err != nil {
		return errors.Wrap(err, "Config.SetModel")
	}
	defer C.free(unsafe.Pointer(cm))
	cp, err := cString(params)
	if err != nil {
		return errors.Wrap(err, "Config.SetModel")
	}
	defer C.free(unsafe.Pointer(cp))
	return c.set("SetModel", func(p *C.PD_Config) { C.PD_ConfigSetModel(p, cm, cp) })
}

// SetModelDir names a directory holding __model__ and one file per parameter.
func (c *Config) SetModelDir(dir string) error {
	return c.setString("SetModelDir", dir, func(p *C.PD_Config, s *C.char) { C.PD_ConfigSetModelDir(p, s) })
}

// SetProgFile names the program file of a combined model.
func (c *Config) SetProgFile(path string) error {
	return c.setString("SetProgFile", path, func(p *C.PD_Config, s *C.char) { C.PD_ConfigSetProgFile(p, s) })
}

// SetParamsFile names the parameters file of a combined model.
func (c *Config) SetParamsFile(path string) error {
	return c.setString("SetParamsFile", path, func(p *C.PD_Config, s *C.char) { C.PD_ConfigSetParamsFile(p, s) })
}

// SetOptimCacheDir names where optimised programs may be cached.
func (c *Config) SetOptimCacheDir(dir string) error {
	return c.setString("SetOptimCacheDir", dir, func(p *C.PD_Config, s *C.char) { C.PD_ConfigSetOptimCacheDir(p, s) })
}

// ModelDir returns the directory given to SetModelDir.
func (c *Config) ModelDir() string {
	return c.str(func(p *C.PD_Config) *C.char { return C.PD_ConfigGetModelDir(p) })
}

// ProgFile returns the program file of a combined model.
func (c *Config) ProgFile() string {
	return c.str(func(p *C.PD_Config) *C.char { return C.PD_ConfigGetProgFile(p) })
}

// ParamsFile returns the parameters file of a combined model.
func (c *Config) ParamsFile() string {
	return c.str(func(p *C.PD_Config) *C.char { return C.PD_ConfigGetParamsFile(p) })
}

// SetModelBuffer loads the program and the combined parameters from memory. The library
// copies both, so they are passed without a Go-side copy.
func (c *Config) SetModelBuffer(prog, params string) error {
	return c.set("SetModelBuffer", func(p *C.PD_Config) {
		C.PD_ConfigSetModelBuffer(p,
			(*C.char)(unsafe.Pointer(unsafe.StringData(prog))), C.size_t(len(prog)),
			(*C.char)(unsafe.Pointer(unsafe.StringData(params))), C.size_t(len(params)))
	})
}

// ModelFromMemory reports whether SetModelBuffer was used.
func (c *Config) ModelFromMemory() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigModelFromMemory(p) })
}

// ---- validity and description ----

// SetInvalid marks the config unusable.
func (c *Config) SetInvalid() error {
	return c.set("SetInvalid", func(p *C.PD_Config) { C.PD_ConfigSetInvalid(p) })
}

// IsValid reports whether the config can still create a predictor.
func (c *Config) IsValid() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigIsValid(p) })
}

// PartiallyRelease frees what the config holds beyond its settings (e.g. model buffers).
func (c *Config) PartiallyRelease() error {
	return c.set("PartiallyRelease", func(p *C.PD_Config) { C.PD_ConfigPartiallyRelease(p) })
}

// Summary returns a readable table of the settings.
func (c *Config) Summary() string {
	defer runtime.KeepAlive(c)
	if c == nil || c.c == nil {
		return ""
	}
	s := C.PD_ConfigSummary(c.c)
	if s == nil {
		return ""
	}
	defer C.PD_CstrDestroy(s)
	if s.data == nil {
		return ""
	}
	return C.GoString(s.data)
}
