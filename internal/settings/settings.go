// Package settings is the one place gohub reads its environment: every GOHUB_* variable
// is declared here with its default and meaning, read only through its typed accessor,
// and listed from here in `gohub --help` and in the README's table (go generate).
package settings

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pkg/errors"
)

// Var is an environment variable that changes what gohub does.
type Var struct {
	Name    string
	Default string // as help shows it
	Usage   string // what it does, one sentence
}

// Value is the variable's value in the environment, surrounding white space trimmed; ""
// when it is unset.
func (v Var) Value() string { return strings.TrimSpace(os.Getenv(v.Name)) }

// The variables, in the order help lists them.
var (
	Home   = Var{"GOHUB_HOME", "~/.gohub", "where modules, caches and the config live"}
	Server = Var{"GOHUB_SERVER", "the official PaddleHub server",
		"module sources tried in order, separated by ';': PaddleHub servers, or static indexes " +
			"(URLs ending in .json; see gohub index build); overrides 'gohub config set server'"}
	Timeout = Var{"GOHUB_TIMEOUT", "3s", "how long to wait for the network before giving up " +
		"(a duration such as 500ms, or seconds)"}
	Pip = Var{"GOHUB_PIP", "python3 -m pip", "the command used as pip for 'gohub install lac' from PyPI " +
		"(\"off\" disables the fallback)"}
	Shared = Var{"GOHUB_SHARED", "../shared", "the shared folder of real models and data that tests " +
		"and benchmarks read"}
	BuildModels = Var{"GOHUB_BUILD_MODELS", "build/models", "the seeded models real Paddle writes " +
		"(make seeded-models, run by make test) that tests read"}
	LACPackage = Var{"GOHUB_LAC_PKG", "build/lac-pkg/LAC-2.1.2/LAC", "the LAC/ folder of the extracted " +
		"LAC package (make oracle-lac) that the lexical tests run"}
	LACSdist = Var{"GOHUB_LAC_SDIST", "", "a LAC-*.tar.gz from PyPI that an install test imports when set"}
	// CUDABackend is read by the native library when a GPU is asked for; help lists it for its effect.
	CUDABackend = Var{"GOHUB_CUDA_BACKEND", "libpaddle_inference_cuda.so beside the library",
		"the CUDA backend the native library loads for --use_gpu (make build-cuda builds it)"}
	// CUDNNDeterministic is read by the CUDA backend's convolution gradients.
	CUDNNDeterministic = Var{"GOHUB_CUDNN_DETERMINISTIC", "",
		"1: GPU training's convolution gradients use deterministic cuDNN algorithms (slower; by default the fastest)"}
	// CUDAChannelsLast is read by the CUDA backend's convolutions.
	CUDAChannelsLast = Var{"GOHUB_CUDA_CHANNELS_LAST", "",
		"1: GPU convolutions run channels-last (NHWC, as cuDNN's tensor-core kernels want with --gpu_tf32); experimental, off by default"}
	// CUDABf16Activations is read by the native library's GPU training executors.
	CUDABf16Activations = Var{"GOHUB_CUDA_BF16_ACTIVATIONS", "on",
		"0: with --amp on the GPU, the activations between convolutions, batch norms, ReLU and the " +
			"residual adds, and their gradients, are float32 instead of bfloat16 (more memory traffic, less rounding)"}
	// CUDAGraphs is read by the modules' GPU predictors (hub/internal/modelload).
	CUDAGraphs = Var{"GOHUB_CUDA_GRAPHS", "on",
		"0: modules on the GPU (gohub run --use_gpu, serving) run each batch op by op instead of " +
			"replaying a CUDA graph recorded at the second batch of the same shape"}
	// ConvWinograd is read by the native library's CPU convolutions.
	ConvWinograd = Var{"GOHUB_CONV_WINOGRAD", "where it is faster",
		"off: 3x3 convolutions on the CPU stay on oneDNN's direct kernels; always: they run on gohub's " +
			"Winograd kernel wherever it can (AVX2 or AVX-512)"}
	// LibraryPath is read by the dynamic loader, not by gohub; help lists it for its effect.
	LibraryPath = Var{"LD_LIBRARY_PATH", "", "may point at the official Paddle Inference C library " +
		"instead of gohub's bundled one (see gohub version)"}
)

// All lists every variable, in the order help shows them.
var All = []Var{Home, Server, Timeout, Pip, Shared, BuildModels, LACPackage, LACSdist, CUDABackend,
	CUDNNDeterministic, CUDAChannelsLast, CUDABf16Activations, CUDAGraphs, ConvWinograd, LibraryPath}

// CUDAGraphsWanted says whether GPU predictors of modules record their runs (GOHUB_CUDA_GRAPHS).
func CUDAGraphsWanted() bool { return CUDAGraphs.Value() != "0" }

// DefaultTimeout is the default of GOHUB_TIMEOUT.
const DefaultTimeout = 3 * time.Second

// HomeDir is $GOHUB_HOME made absolute, else ~/.gohub. Unlike PaddleHub 1.x, a set
// GOHUB_HOME is the root itself (2.x semantics) whether or not it exists yet.
func HomeDir() (string, error) {
	if root := Home.Value(); root != "" {
		abs, err := filepath.Abs(root)
		return abs, errors.Wrap(err, Home.Name)
	}
	user, err := os.UserHomeDir()
	if err != nil {
		return "", errors.Wrap(err, "find the home directory (set "+Home.Name+")")
	}
	return filepath.Join(user, ".gohub"), nil
}

// Servers is $GOHUB_SERVER split at ';', empty parts dropped; nil when it is unset.
func Servers() []string { return SplitServers(Server.Value()) }

// SplitServers splits a ';'- or ','-separated list, dropping empty items.
func SplitServers(list string) []string {
	var out []string
	for _, s := range strings.FieldsFunc(list, func(r rune) bool { return r == ';' || r == ',' }) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// NetworkTimeout is $GOHUB_TIMEOUT, a Go duration ("500ms") or a number of seconds, else
// DefaultTimeout.
func NetworkTimeout() (time.Duration, error) {
	env := Timeout.Value()
	if env == "" {
		return DefaultTimeout, nil
	}
	if d, err := time.ParseDuration(env); err == nil && d > 0 {
		return d, nil
	}
	if s, err := strconv.ParseFloat(env, 64); err == nil && s > 0 {
		return time.Duration(s * float64(time.Second)), nil
	}
	return 0, errors.Errorf("%s=%q: want a duration such as 3s or 500ms", Timeout.Name, env)
}

// PipCommand is the pip command from $GOHUB_PIP, else python3 -m pip when python3 is on
// PATH; nil when there is none or the fallback is off.
func PipCommand() []string {
	env := Pip.Value()
	switch {
	case env == "off" || env == "0" || env == "none":
		return nil
	case env != "":
		return strings.Fields(env)
	}
	if _, err := exec.LookPath("python3"); err == nil {
		return []string{"python3", "-m", "pip"}
	}
	return nil
}

// SharedDir is $GOHUB_SHARED; "" when it is unset.
func SharedDir() string { return Shared.Value() }

// BuildModelsDir is $GOHUB_BUILD_MODELS; "" when it is unset.
func BuildModelsDir() string { return BuildModels.Value() }
