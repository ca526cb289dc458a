package paddle

// // pd_train.h exists only in gohub's library: every function is looked up at run time, so
// // the same binary still starts against the official Paddle Inference C library.
// #define _GNU_SOURCE
// #include <dlfcn.h>
// #include <stdlib.h>
// #include <pd_train.h>
//
// #define GOHUB_TRAIN_FN(ret, name, params, args) \
//   static ret (*name##_ptr) params;               \
//   static ret gohub_##name params { return name##_ptr args; }
//
// GOHUB_TRAIN_FN(PD_Program*, PD_ProgramCreate, (const void* d, size_t n), (d, n))
// GOHUB_TRAIN_FN(void, PD_ProgramDestroy, (PD_Program* p), (p))
// GOHUB_TRAIN_FN(size_t, PD_ProgramSerialize, (const PD_Program* p, void* b, size_t c), (p, b, c))
// GOHUB_TRAIN_FN(PD_Bool, PD_ProgramAppendBackward,
//                (PD_Program* p, const char* l, size_t n, const char* const* g), (p, l, n, g))
// GOHUB_TRAIN_FN(PD_Scope*, PD_ScopeCreate, (void), ())
// GOHUB_TRAIN_FN(void, PD_ScopeDestroy, (PD_Scope* s), (s))
// GOHUB_TRAIN_FN(PD_Bool, PD_ScopeHasVar, (const PD_Scope* s, const char* n), (s, n))
// GOHUB_TRAIN_FN(PD_Bool, PD_ScopeSetVar,
//                (PD_Scope* s, const char* n, PD_DataType t, size_t r, const int64_t* d,
//                 const void* p), (s, n, t, r, d, p))
// GOHUB_TRAIN_FN(int32_t, PD_ScopeVarShape,
//                (const PD_Scope* s, const char* n, int64_t* d, size_t c, PD_DataType* t),
//                (s, n, d, c, t))
// GOHUB_TRAIN_FN(PD_Bool, PD_ScopeGetVar, (const PD_Scope* s, const char* n, void* p, size_t b),
//                (s, n, p, b))
// GOHUB_TRAIN_FN(PD_Bool, PD_ScopeSavePersistables,
//                (const PD_Scope* s, const PD_Program* p, const char* d), (s, p, d))
// GOHUB_TRAIN_FN(PD_Bool, PD_ScopeLoadPersistables,
//                (PD_Scope* s, const PD_Program* p, const char* d), (s, p, d))
// GOHUB_TRAIN_FN(PD_Bool, PD_ScopeLoadCombined,
//                (PD_Scope* s, const PD_Program* p, const char* f), (s, p, f))
// GOHUB_TRAIN_FN(PD_Executor*, PD_ExecutorCreate,
//                (const PD_Program* p, PD_Scope* s, int32_t t), (p, s, t))
// GOHUB_TRAIN_FN(PD_Executor*, PD_ExecutorCreateGpu,
//                (const PD_Program* p, PD_Scope* s, int32_t t, int32_t g, PD_Bool tf32),
//                (p, s, t, g, tf32))
// GOHUB_TRAIN_FN(void, PD_ExecutorDestroy, (PD_Executor* e), (e))
// GOHUB_TRAIN_FN(PD_Bool, PD_ExecutorCheckNanInf, (PD_Executor* e, PD_Bool on), (e, on))
// GOHUB_TRAIN_FN(PD_Bool, PD_ExecutorFreeIntermediates, (PD_Executor* e, PD_Bool on), (e, on))
// GOHUB_TRAIN_FN(PD_Bool, PD_ExecutorRecordRuns, (PD_Executor* e, PD_Bool on), (e, on))
// GOHUB_TRAIN_FN(int32_t, PD_ExecutorRecordings, (const PD_Executor* e), (e))
// GOHUB_TRAIN_FN(PD_Bool, PD_ExecutorRun, (PD_Executor* e), (e))
// GOHUB_TRAIN_FN(PD_Bool, PD_ExecutorLaunch, (PD_Executor* e), (e))
// GOHUB_TRAIN_FN(PD_Bool, PD_ExecutorWait, (PD_Executor* e), (e))
// GOHUB_TRAIN_FN(PD_Bool, PD_ExecutorPrefetch, (PD_Executor* e), (e))
//
// #define GOHUB_FIND(name) \
//   if ((name##_ptr = dlsym(RTLD_DEFAULT, #name)) == NULL) return 0;
//
// static int gohub_find_train(void) {
//   GOHUB_FIND(PD_ProgramCreate) GOHUB_FIND(PD_ProgramDestroy) GOHUB_FIND(PD_ProgramSerialize)
//   GOHUB_FIND(PD_ProgramAppendBackward) GOHUB_FIND(PD_ScopeCreate) GOHUB_FIND(PD_ScopeDestroy)
//   GOHUB_FIND(PD_ScopeHasVar) GOHUB_FIND(PD_ScopeSetVar) GOHUB_FIND(PD_ScopeVarShape)
//   GOHUB_FIND(PD_ScopeGetVar) GOHUB_FIND(PD_ScopeSavePersistables)
//   GOHUB_FIND(PD_ScopeLoadPersistables) GOHUB_FIND(PD_ScopeLoadCombined) GOHUB_FIND(PD_ExecutorCreate)
//   GOHUB_FIND(PD_ExecutorCreateGpu) GOHUB_FIND(PD_ExecutorDestroy) GOHUB_FIND(PD_ExecutorCheckNanInf)
//   GOHUB_FIND(PD_ExecutorFreeIntermediates) GOHUB_FIND(PD_ExecutorRecordRuns)
//   GOHUB_FIND(PD_ExecutorRecordings) GOHUB_FIND(PD_ExecutorRun)
//   GOHUB_FIND(PD_ExecutorLaunch) GOHUB_FIND(PD_ExecutorWait) GOHUB_FIND(PD_ExecutorPrefetch)
//   return 1;
// }
import "C"

import (
	"runtime"
	"unsafe"

	"github.com/pkg/errors"
)

// ErrNoTraining is returned by the training types when the linked C library is not gohub's
// (the official Paddle Inference C library has no training functions).
var ErrNoTraining = errors.New("training needs gohub's bundled libpaddle_inference_c " +
	"(the linked library has no pd_train.h functions)")

// training is false when the linked library lacks pd_train.h.
var training = C.gohub_find_train() != 0

// Program is a Paddle ProgramDesc that the library can extend (AppendBackward) and run.
type Program struct {
	c       *C.PD_Program
	cleanup runtime.Cleanup
}

// NewProgram parses serialized ProgramDesc bytes (a __model__ or *.pdmodel file).
func NewProgram(desc []byte) (*Program, error) {
	if !training {
		return nil, ErrNoTraining
	}
	var p *C.PD_Program
	err := callFailed("NewProgram", func() bool {
		p = C.gohub_PD_ProgramCreate(bytesPtr(desc), C.size_t(len(desc)))
		return p != nil
	})
	if err != nil {
		return nil, err
	}
	prog := &Program{c: p}
	prog.cleanup = runtime.AddCleanup(prog, func(p *C.PD_Program) { C.gohub_PD_ProgramDestroy(p) }, p)
	return prog, nil
}

// Destroy frees the program. Calling it twice is harmless.
func (p *Program) Destroy() {
	if p == nil || p.c == nil {
		return
	}
	p.cleanup.Stop()
	C.gohub_PD_ProgramDestroy(p.c)
	p.c = nil
}

func (p *Program) handle(op string) (*C.PD_Program, error) {
	if p == nil || p.c == nil {
		return nil, errors.Wrapf(ErrDestroyed, "Program.%s: program", op)
	}
	return p.c, nil
}

// Bytes returns the program as serialized ProgramDesc bytes.
func (p *Program) Bytes() ([]byte, error) {
	c, err := p.handle("Bytes")
	if err != nil {
		return nil, err
	}
	var out []byte
	err = callFailed("Program.Bytes", func() bool {
		n := C.gohub_PD_ProgramSerialize(c, nil, 0)
		if n == 0 {
			return false
		}
		out = make([]byte, int(n))
		return C.gohub_PD_ProgramSerialize(c, unsafe.Pointer(&out[0]), n) == n
	})
	return out, err
}

// AppendBackward appends the backward part for loss, as Paddle's append_backward does: the
// gradient of a variable v is the variable "v@GRAD". Variables in noGrad get no gradient.
func (p *Program) AppendBackward(loss string, noGrad ...string) error {
	c, err := p.handle("AppendBackward")
	if err != nil {
		return err
	}
	cLoss := C.CString(loss)
	defer C.free(unsafe.Pointer(cLoss))
	names := make([]*C.char, len(noGrad))
	for i, n := range noGrad {
		names[i] = C.CString(n)
		defer C.free(unsafe.Pointer(names[i]))
	}
	var list **C.char
	if len(names) > 0 {
		// Go memory holding only C pointers may be passed to C.
		list = (**C.char)(unsafe.Pointer(&names[0]))
	}
	return callFailed("Program.AppendBackward", func() bool {
		return C.gohub_PD_ProgramAppendBackward(c, cLoss, C.size_t(len(names)), list) != 0
	})
}

// Scope holds variables by name: parameters, optimizer state, inputs and results. A training
// scope owns its parameters; a run that updates one updates it here.
type Scope struct {
	c       *C.PD_Scope
	cleanup runtime.Cleanup
}

// NewScope returns an empty scope.
func NewScope() (*Scope, error) {
	if !training {
		return nil, ErrNoTraining
	}
	var s *C.PD_Scope
	if err := callFailed("NewScope", func() bool { s = C.gohub_PD_ScopeCreate(); return s != nil }); err != nil {
		return nil, err
	}
	scope := &Scope{c: s}
	scope.cleanup = runtime.AddCleanup(scope, func(s *C.PD_Scope) { C.gohub_PD_ScopeDestroy(s) }, s)
	return scope, nil
}

// Destroy frees the scope and its variables. Executors over it must be destroyed first.
func (s *Scope) Destroy() {
	if s == nil || s.c == nil {
		return
	}
	s.cleanup.Stop()
	C.gohub_PD_ScopeDestroy(s.c)
	s.c = nil
}

func (s *Scope) handle(op string) (*C.PD_Scope, error) {
	if s == nil || s.c == nil {
		return nil, errors.Wrapf(ErrDestroyed, "Scope.%s: scope", op)
	}
	return s.c, nil
}

// Has reports whether the scope has a variable named name.
func (s *Scope) Has(name string) bool {
	c, err := s.handle("Has")
	if err != nil {
		return false
	}
	cName := C.CString(name)
	defer C.free(unsafe.Pointer(cName))
	return C.gohub_PD_ScopeHasVar(c, cName) != 0
}

// SetFloat32 makes the variable hold a copy of data, shaped shape (row-major).
func (s *Scope) SetFloat32(name string, shape []int64, data []float32) error {
	return s.set("SetFloat32", name, Float32, shape, unsafe.Pointer(unsafe.SliceData(data)), len(data))
}

// SetInt64 makes the variable hold a copy of data, shaped shape (row-major).
func (s *Scope) SetInt64(name string, shape []int64, data []int64) error {
	return s.set("SetInt64", name, Int64, shape, unsafe.Pointer(unsafe.SliceData(data)), len(data))
}

func (s *Scope) set(op, name string, t DataType, shape []int64, data unsafe.Pointer, n int) error {
	c, err := s.handle(op)
	if err != nil {
		return err
	}
	want := int64(1)
	for _, d := range shape {
		want *= d
	}
	if want != int64(n) {
		return errors.Errorf("Scope.%s: %s: shape %v holds %d values, got %d", op, name, shape, want, n)
	}
	cName := C.CString(name)
	defer C.free(unsafe.Pointer(cName))
	var dims *C.int64_t
	if len(shape) > 0 {
		dims = (*C.int64_t)(unsafe.Pointer(&shape[0]))
	}
	return callFailed("Scope."+op, func() bool {
		return C.gohub_PD_ScopeSetVar(c, cName, C.PD_DataType(t), C.size_t(len(shape)), dims, data) != 0
	})
}

// Shape returns the variable's dims and element type; an error when it holds no data.
func (s *Scope) Shape(name string) ([]int64, DataType, error) {
	c, err := s.handle("Shape")
	if err != nil {
		return nil, Unk, err
	}
	cName := C.CString(name)
	defer C.free(unsafe.Pointer(cName))
	var dims [16]C.int64_t
	var t C.PD_DataType
	var rank C.int32_t
	if err := call("Scope.Shape", func() { rank = C.gohub_PD_ScopeVarShape(c, cName, &dims[0], 16, &t) }); err != nil {
		return nil, Unk, err
	}
	if rank < 0 {
		return nil, Unk, errors.Errorf("Scope.Shape: variable %q holds no data", name)
	}
	if rank > 16 {
		return nil, Unk, errors.Errorf("Scope.Shape: variable %q has rank %d, above 16", name, rank)
	}
	shape := make([]int64, int(rank))
	for i := range shape {
		shape[i] = int64(dims[i])
	}
	return shape, DataType(t), nil
}

// Float32 returns a copy of a float32 variable's values.
func (s *Scope) Float32(name string) ([]float32, error) {
	shape, t, err := s.Shape(name)
	if err != nil {
		return nil, err
	}
	if t != Float32 {
		return nil, errors.Errorf("Scope.Float32: variable %q holds %s", name, t)
	}
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	out := make([]float32, n)
	c, _ := s.handle("Float32")
	cName := C.CString(name)
	defer C.free(unsafe.Pointer(cName))
	err = callFailed("Scope.Float32", func() bool {
		return C.gohub_PD_ScopeGetVar(c, cName, unsafe.Pointer(unsafe.SliceData(out)), C.size_t(4*n)) != 0
	})
	return out, err
}

// SavePersistables writes the program's persistable variables that the scope holds into dir,
// one Paddle LoDTensor file per variable, named after it.
func (s *Scope) SavePersistables(p *Program, dir string) error {
	return s.persistables("SavePersistables", p, dir, func(sc *C.PD_Scope, pc *C.PD_Program, d *C.char) C.PD_Bool {
		return C.gohub_PD_ScopeSavePersistables(sc, pc, d)
	})
}

// LoadPersistables reads the program's persistable variables from dir (SavePersistables'
// layout, which is also paddle.static.save_vars').
func (s *Scope) LoadPersistables(p *Program, dir string) error {
	return s.persistables("LoadPersistables", p, dir, func(sc *C.PD_Scope, pc *C.PD_Program, d *C.char) C.PD_Bool {
		return C.gohub_PD_ScopeLoadPersistables(sc, pc, d)
	})
}

// LoadCombined reads the program's persistable variables from one combined parameter file
// (model.pdiparams, __params__: save_inference_model's params_filename layout).
func (s *Scope) LoadCombined(p *Program, file string) error {
	return s.persistables("LoadCombined", p, file, func(sc *C.PD_Scope, pc *C.PD_Program, f *C.char) C.PD_Bool {
		return C.gohub_PD_ScopeLoadCombined(sc, pc, f)
	})
}

func (s *Scope) persistables(op string, p *Program, dir string, f func(*C.PD_Scope, *C.PD_Program, *C.char) C.PD_Bool) error {
	sc, err := s.handle(op)
	if err != nil {
		return err
	}
	pc, err := p.handle(op)
	if err != nil {
		return err
	}
	cDir := C.CString(dir)
	defer C.free(unsafe.Pointer(cDir))
	return callFailed("Scope."+op, func() bool { return f(sc, pc, cDir) != 0 })
}

// Executor runs a program over a scope. One goroutine at a time.
type Executor struct {
	c       *C.PD_Executor
	cleanup runtime.Cleanup
	scope   *Scope // kept alive while the executor is
}

// NewExecutor prepares program (copied) to run over scope with threads CPU threads.
func NewExecutor(p *Program, s *Scope, threads int) (*Executor, error) {
	return newExecutor("NewExecutor", p, s, func(pc *C.PD_Program, sc *C.PD_Scope) *C.PD_Executor {
		return C.gohub_PD_ExecutorCreate(pc, sc, C.int32_t(threads))
	})
}

// GPU says where a GPU executor runs: the device, and whether fp32 convolutions and matrix
// products may use TF32 tensor cores (faster, about 10 bits of mantissa).
type GPU struct {
	ID   int
	TF32 bool
}

// NewExecutorOnGPU is NewExecutor with every op that has a GPU kernel on the GPU (the others
// on the CPU, their tensors copied across). The scope's variables those ops read move to the
// GPU now and stay there between runs; Scope's Set, Get, Save and Load copy across. It fails
// when the CUDA backend cannot load (see GPUInfo).
func NewExecutorOnGPU(p *Program, s *Scope, threads int, gpu GPU) (*Executor, error) {
	tf32 := C.PD_Bool(0)
	if gpu.TF32 {
		tf32 = 1
	}
	return newExecutor("NewExecutorOnGPU", p, s, func(pc *C.PD_Program, sc *C.PD_Scope) *C.PD_Executor {
		return C.gohub_PD_ExecutorCreateGpu(pc, sc, C.int32_t(threads), C.int32_t(gpu.ID), tf32)
	})
}

func newExecutor(op string, p *Program, s *Scope, create func(*C.PD_Program, *C.PD_Scope) *C.PD_Executor) (*Executor, error) {
	pc, err := p.handle(op)
	if err != nil {
		return nil, err
	}
	sc, err := s.handle(op)
	if err != nil {
		return nil, err
	}
	var e *C.PD_Executor
	if err := callFailed(op, func() bool {
		e = create(pc, sc)
		return e != nil
	}); err != nil {
		return nil, err
	}
	exec := &Executor{c: e, scope: s}
	exec.cleanup = runtime.AddCleanup(exec, func(e *C.PD_Executor) { C.gohub_PD_ExecutorDestroy(e) }, e)
	return exec, nil
}

// Destroy frees the executor. Calling it twice is harmless.
func (e *Executor) Destroy() {
	if e == nil || e.c == nil {
		return
	}
	e.cleanup.Stop()
	C.gohub_PD_ExecutorDestroy(e.c)
	e.c = nil
}

// CheckNanInf makes every later Run stop at the first op that writes a NaN or an Inf, with an
// error naming the op and the variable. Off by default: it reads every output once more.
func (e *Executor) CheckNanInf(on bool) error {
	return e.set("Executor.CheckNanInf", on, func(c *C.PD_Executor, v C.PD_Bool) C.PD_Bool { return C.gohub_PD_ExecutorCheckNanInf(c, v) })
}

// FreeIntermediates releases each intermediate tensor after the last op that reads it, so
// that a training step holds only what its backward pass still needs (Paddle's garbage
// collection). The scope keeps persistables, variables no op writes (feeds, parameters),
// the targets of the program's fetch ops and outputs no op reads; with this on, read
// nothing else after a run.
func (e *Executor) FreeIntermediates(on bool) error {
	return e.set("Executor.FreeIntermediates", on, func(c *C.PD_Executor, v C.PD_Bool) C.PD_Bool { return C.gohub_PD_ExecutorFreeIntermediates(c, v) })
}

// RecordRuns records a GPU run as a CUDA graph and launches the recording for every later run
// at the same input shapes, instead of queueing each op's kernels one by one: the first run at
// new shapes runs op by op, the second is recorded. What a step allocates and frees (its
// activations) is the recording's own memory. A program with something that cannot be
// recorded (training dropout) runs op by op. On the CPU it does nothing.
func (e *Executor) RecordRuns(on bool) error {
	return e.set("Executor.RecordRuns", on, func(c *C.PD_Executor, v C.PD_Bool) C.PD_Bool { return C.gohub_PD_ExecutorRecordRuns(c, v) })
}

// Recordings is how many recordings (RecordRuns) the executor has made that could be launched
// again: one per run of new input shapes, none where nothing could be recorded.
func (e *Executor) Recordings() (int, error) {
	if e == nil || e.c == nil {
		return 0, errors.Wrap(ErrDestroyed, "Executor.Recordings: executor")
	}
	var n C.int32_t
	if err := callFailed("Executor.Recordings", func() bool {
		n = C.gohub_PD_ExecutorRecordings(e.c)
		return n >= 0
	}); err != nil {
		return 0, err
	}
	return int(n), nil
}

// Run runs the program once over the scope.
func (e *Executor) Run() error {
	return e.run("Executor.Run", func(c *C.PD_Executor) C.PD_Bool { return C.gohub_PD_ExecutorRun(c) })
}

// Launch is Run without waiting for the GPU: it returns once the step is queued, so that the
// caller can set the next step's images and labels (variables that stay on the host) while
// the GPU computes; they go to new host buffers, the queued step keeps its own. Reading a
// variable, setting one the GPU holds, saving, loading and the next run over the scope wait
// for the step first, as Wait does; an error of the GPU work is returned there. On the CPU,
// Launch is Run.
func (e *Executor) Launch() error {
	return e.run("Executor.Launch", func(c *C.PD_Executor) C.PD_Bool { return C.gohub_PD_ExecutorLaunch(c) })
}

// Wait returns when the step Launch queued is done (at once when there is none), with its
// error.
func (e *Executor) Wait() error {
	return e.run("Executor.Wait", func(c *C.PD_Executor) C.PD_Bool { return C.gohub_PD_ExecutorWait(c) })
}

// Prefetch starts copying to the GPU the variables set since the last run that stay on the
// host (the next step's images and labels), beside the step Launch queued, so that the copy
// runs while the step computes; the next run takes them there. Call it after setting them. A
// value set again before the next run is copied by that run as usual. On the CPU it does
// nothing.
func (e *Executor) Prefetch() error {
	return e.run("Executor.Prefetch", func(c *C.PD_Executor) C.PD_Bool { return C.gohub_PD_ExecutorPrefetch(c) })
}

// set turns one of the executor's switches on or off.
func (e *Executor) set(op string, on bool, f func(*C.PD_Executor, C.PD_Bool) C.PD_Bool) error {
	if e == nil || e.c == nil {
		return errors.Wrap(ErrDestroyed, op+": executor")
	}
	v := C.PD_Bool(0)
	if on {
		v = 1
	}
	return callFailed(op, func() bool { return f(e.c, v) != 0 })
}

func (e *Executor) run(op string, f func(*C.PD_Executor) C.PD_Bool) error {
	if e == nil || e.c == nil {
		return errors.Wrap(ErrDestroyed, op+": executor")
	}
	// The library's OpenMP team belongs to the calling thread (see Predictor).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return callFailed(op, func() bool { return f(e.c) != 0 })
}

func bytesPtr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}
