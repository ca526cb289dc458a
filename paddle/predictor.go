package paddle

// #include <stdlib.h>
// #include <pd_predictor.h>
// #include <pd_tensor.h>
// #include <pd_types.h>
// #include <pd_utils.h>
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"

	"github.com/pkg/errors"
)

// Predictor is a loaded model. It serves one goroutine at a time; Clone gives another
// predictor that shares the weights, one per goroutine. Call Destroy when done.
//
// With more than one math thread (Config.SetCpuMathLibraryNumThreads), the library's OpenMP
// thread team belongs to the OS thread that calls Run. A goroutine that runs a predictor in a
// loop should call runtime.LockOSThread first: otherwise the Go scheduler may move it between
// OS threads after a long call, each thread gets a team of its own, and the idle teams' spinning
// threads take cores from the working one.
type Predictor struct {
	c       *C.PD_Predictor
	cleanup runtime.Cleanup
}

// NewPredictor loads the model config names. The predictor takes the config over, whether
// loading succeeds or not: config.Destroy becomes a no-op and its setters fail.
func NewPredictor(config *Config) (*Predictor, error) {
	cfg, err := config.take()
	if err != nil {
		return nil, err
	}
	var p *C.PD_Predictor
	err = callFailed("NewPredictor", func() bool {
		p = C.PD_PredictorCreate(cfg)
		return p != nil
	})
	return wrapPredictor(p, err)
}

func wrapPredictor(p *C.PD_Predictor, err error) (*Predictor, error) {
	if err != nil {
		C.PD_PredictorDestroy(p) // NULL-safe; frees a predictor returned along with an error
		return nil, err
	}
	pred := &Predictor{c: p}
	// Only a safety net: a predictor lost without Destroy is freed by the GC.
	pred.cleanup = runtime.AddCleanup(pred, func(p *C.PD_Predictor) { C.PD_PredictorDestroy(p) }, p)
	return pred, nil
}

// Destroy frees the predictor. Its tensors become unusable. Calling it twice is harmless.
func (p *Predictor) Destroy() {
	if p == nil || p.c == nil {
		return
	}
	p.cleanup.Stop()
	C.PD_PredictorDestroy(p.c)
	p.c = nil
}

func (p *Predictor) handle(op string) (*C.PD_Predictor, error) {
	if p == nil || p.c == nil {
		return nil, errors.Wrapf(ErrDestroyed, "Predictor.%s: predictor", op)
	}
	return p.c, nil
}

// Clone returns a new predictor that shares this one's program and weights but has its
// own inputs, outputs and activations, for use by another goroutine.
func (p *Predictor) Clone() (*Predictor, error) {
	defer runtime.KeepAlive(p)
	h, err := p.handle("Clone")
	if err != nil {
		return nil, err
	}
	var c *C.PD_Predictor
	err = callFailed("Predictor.Clone", func() bool {
		c = C.PD_PredictorClone(h)
		return c != nil
	})
	return wrapPredictor(c, err)
}

// GetInputNum returns the number of inputs, 0 once destroyed.
func (p *Predictor) GetInputNum() int {
	defer runtime.KeepAlive(p)
	if p == nil || p.c == nil {
		return 0
	}
	return int(C.PD_PredictorGetInputNum(p.c))
}

// GetOutputNum returns the number of outputs, 0 once destroyed.
func (p *Predictor) GetOutputNum() int {
	defer runtime.KeepAlive(p)
	if p == nil || p.c == nil {
		return 0
	}
	return int(C.PD_PredictorGetOutputNum(p.c))
}

// GetInputNames returns the input names in feed order.
func (p *Predictor) GetInputNames() ([]string, error) {
	return p.names("GetInputNames", func(h *C.PD_Predictor) *C.PD_OneDimArrayCstr {
		return C.PD_PredictorGetInputNames(h)
	})
}

// GetOutputNames returns the output names in fetch order.
func (p *Predictor) GetOutputNames() ([]string, error) {
	return p.names("GetOutputNames", func(h *C.PD_Predictor) *C.PD_OneDimArrayCstr {
		return C.PD_PredictorGetOutputNames(h)
	})
}

func (p *Predictor) names(op string, f func(*C.PD_Predictor) *C.PD_OneDimArrayCstr) ([]string, error) {
	defer runtime.KeepAlive(p)
	h, err := p.handle(op)
	if err != nil {
		return nil, err
	}
	var arr *C.PD_OneDimArrayCstr
	if err := callFailed("Predictor."+op, func() bool {
		arr = f(h)
		return arr != nil
	}); err != nil {
		C.PD_OneDimArrayCstrDestroy(arr)
		return nil, err
	}
	return goStrings(arr), nil
}

// IOInfo is the declared name, shape (-1 where known only at run time) and type of an
// input or output. The declaration may differ from the run-time tensor: LAC's output is
// declared float32 but holds int64 tag ids.
type IOInfo struct {
	Name  string
	Shape []int64
	Type  DataType
}

// GetInputInfos returns the declared inputs in feed order.
func (p *Predictor) GetInputInfos() ([]IOInfo, error) {
	return p.infos("GetInputInfos", func(h *C.PD_Predictor) *C.PD_IOInfos { return C.PD_PredictorGetInputInfos(h) })
}

// GetOutputInfos returns the declared outputs in fetch order.
func (p *Predictor) GetOutputInfos() ([]IOInfo, error) {
	return p.infos("GetOutputInfos", func(h *C.PD_Predictor) *C.PD_IOInfos { return C.PD_PredictorGetOutputInfos(h) })
}

func (p *Predictor) infos(op string, f func(*C.PD_Predictor) *C.PD_IOInfos) ([]IOInfo, error) {
	defer runtime.KeepAlive(p)
	h, err := p.handle(op)
	if err != nil {
		return nil, err
	}
	var arr *C.PD_IOInfos
	if err := callFailed("Predictor."+op, func() bool {
		arr = f(h)
		return arr != nil
	}); err != nil {
		C.PD_IOInfosDestroy(arr)
		return nil, err
	}
	defer C.PD_IOInfosDestroy(arr)
	out := make([]IOInfo, 0, int(arr.size))
	for _, info := range unsafe.Slice(arr.io_info, int(arr.size)) {
		io := IOInfo{Type: DataType(info.dtype)}
		if info.name != nil && info.name.data != nil {
			io.Name = C.GoString(info.name.data)
		}
		if info.shape != nil && info.shape.size > 0 {
			for _, d := range unsafe.Slice(info.shape.data, int(info.shape.size)) {
				io.Shape = append(io.Shape, int64(d))
			}
		}
		out = append(out, io)
	}
	return out, nil
}

// GetInputHandle returns a handle on the named input. Each call gives a new handle; it is
// valid while the predictor lives.
func (p *Predictor) GetInputHandle(name string) (*Tensor, error) {
	return p.tensor("GetInputHandle", name, func(h *C.PD_Predictor, n *C.char) *C.PD_Tensor {
		return C.PD_PredictorGetInputHandle(h, n)
	})
}

// GetOutputHandle returns a handle on the named output, as GetInputHandle does.
func (p *Predictor) GetOutputHandle(name string) (*Tensor, error) {
	return p.tensor("GetOutputHandle", name, func(h *C.PD_Predictor, n *C.char) *C.PD_Tensor {
		return C.PD_PredictorGetOutputHandle(h, n)
	})
}

func (p *Predictor) tensor(op, name string, f func(*C.PD_Predictor, *C.char) *C.PD_Tensor) (*Tensor, error) {
	defer runtime.KeepAlive(p)
	h, err := p.handle(op)
	if err != nil {
		return nil, err
	}
	cName, err := cString(name)
	if err != nil {
		return nil, errors.Wrap(err, "Predictor."+op)
	}
	defer C.free(unsafe.Pointer(cName))
	var t *C.PD_Tensor
	if err := callFailed(fmt.Sprintf("Predictor.%s(%q)", op, name), func() bool {
		t = f(h, cName)
		return t != nil
	}); err != nil {
		C.PD_TensorDestroy(t)
		return nil, err
	}
	return newTensor(t, p), nil
}

// Run runs the model on the inputs set through the input handles.
func (p *Predictor) Run() error {
	defer runtime.KeepAlive(p)
	h, err := p.handle("Run")
	if err != nil {
		return err
	}
	return callFailed("Predictor.Run", func() bool { return C.PD_PredictorRun(h) != 0 })
}

// ClearIntermediateTensor frees the activations of the last run.
func (p *Predictor) ClearIntermediateTensor() error {
	defer runtime.KeepAlive(p)
	h, err := p.handle("ClearIntermediateTensor")
	if err != nil {
		return err
	}
	return call("Predictor.ClearIntermediateTensor", func() { C.PD_PredictorClearIntermediateTensor(h) })
}

// TryShrinkMemory frees what the predictor holds beyond its weights and returns the bytes
// released.
func (p *Predictor) TryShrinkMemory() (uint64, error) {
	defer runtime.KeepAlive(p)
	h, err := p.handle("TryShrinkMemory")
	if err != nil {
		return 0, err
	}
	var n C.uint64_t
	err = call("Predictor.TryShrinkMemory", func() { n = C.PD_PredictorTryShrinkMemory(h) })
	return uint64(n), err
}
