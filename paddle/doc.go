// Package paddle is a thin cgo wrapper over the Paddle Inference C API (pd_inference_api.h):
// Config, Predictor and Tensor with the surface of Paddle's own Go API, but with errors
// and explicit lifetimes. It is the only package of gohub that imports "C".
//
// A typical run:
//
//	cfg, err := paddle.NewConfig()
//	...
//	err = cfg.SetModelDir(dir)
//	pred, err := paddle.NewPredictor(cfg) // pred owns cfg from here on
//	defer pred.Destroy()
//	in, err := pred.GetInputHandle("words")
//	err = in.Reshape([]int32{n, 1})
//	err = paddle.CopyFromCpu(in, ids)
//	err = in.SetLod([][]uint{lod})
//	err = pred.Run()
//	out, err := pred.GetOutputHandle(name)
//	err = paddle.CopyToCpu(out, tags)
//
// # Errors
//
// Every call that can fail returns an error; bad input never panics. A failure the
// library reports is an *Error holding the library's message, read with PD_GetLastError.
// That function exists only in gohub's bundled library (pd_ext.h): the package looks it up
// at run time, so the same binary also runs against the official Paddle Inference library,
// where failures are still detected (NULL or FALSE results) but come without detail.
// Misuse detected on the Go side wraps ErrDestroyed, ErrTypeMismatch, ErrSizeMismatch or
// ErrUnsupportedType (match with errors.Is). Getters that only read a setting or a count
// return the value alone, the zero value on a destroyed object.
//
// # Ownership
//
// Config, Predictor and Tensor wrap C objects; call Destroy on each when done. A GC cleanup
// frees forgotten ones, but only as a safety net: C memory is invisible to the GC, which
// may let it grow long before collecting. Every method keeps its receiver alive until the
// C call returns, so the cleanup never frees an object in use.
//
// NewPredictor takes the Config over (PD_PredictorCreate's __pd_take), whether it succeeds
// or not: the Config's Destroy becomes a no-op and its setters return ErrDestroyed.
//
// A Tensor is a handle on a predictor's variable, valid while the predictor lives; once the
// predictor is destroyed its tensors return ErrDestroyed. Destroying a Tensor releases the
// handle, never the variable. Slices passed to CopyFromCpu and CopyToCpu are read and
// written in place, without an intermediate copy; the library does not keep them.
//
// # Concurrency
//
// A Predictor and its Tensors serve one goroutine at a time: a run writes the predictor's
// activations and its output variables. For parallel inference, Clone the predictor once
// per goroutine; clones share the program and the weights and own their activations. A
// Config is not safe for concurrent use either; Version is.
package paddle
