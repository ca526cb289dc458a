package finetune

import (
	"math/rand"
	"os"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub"
	"github.com/gohub/gohub/paddle"
)

// LoadPretrained puts module's pretrained parameters into scope, from its parameter files
// or its combined file, and initialises those it lacks (Context.Missing) with rng the way
// Paddle initialises new ones (initialValue).
func LoadPretrained(scope *paddle.Scope, module *hub.Context, rng *rand.Rand) error {
	var err error
	if module.ParamsFile != "" {
		err = loadCombined(scope, module)
	} else {
		err = loadFiles(scope, module)
	}
	if err != nil {
		return errors.WithMessage(err, "load pretrained parameters")
	}
	for _, name := range module.Missing {
		dims := module.Program.Var(name).GetType().GetLodTensor().GetTensor().GetDims()
		n := 1
		for _, d := range dims {
			n *= int(d)
		}
		if err := scope.SetFloat32(name, dims, initialValue(name, dims)(rng, n)); err != nil {
			return err
		}
	}
	return nil
}

// loadFiles reads one file per parameter, leaving out the missing ones.
func loadFiles(scope *paddle.Scope, module *hub.Context) error {
	present := module.Program.Clone()
	missing := map[string]bool{}
	for _, m := range module.Missing {
		missing[m] = true
	}
	block := present.Desc().Blocks[0]
	vars := block.Vars[:0]
	for _, v := range block.Vars {
		if !missing[v.GetName()] {
			vars = append(vars, v)
		}
	}
	block.Vars = vars
	prog, err := newPaddleProgram(present)
	if err != nil {
		return err
	}
	defer prog.Destroy()
	return scope.LoadPersistables(prog, module.ParamsDir)
}

// loadCombined reads a combined parameter file: written for the module's whole program, so
// read with it (the context's program is cut) into a scratch scope, and the context's
// parameters copied over.
func loadCombined(scope *paddle.Scope, module *hub.Context) error {
	desc, err := os.ReadFile(module.ProgramFile)
	if err != nil {
		return errors.Wrap(err, "read the module's program")
	}
	full, err := paddle.NewProgram(desc)
	if err != nil {
		return err
	}
	defer full.Destroy()
	scratch, err := paddle.NewScope()
	if err != nil {
		return err
	}
	defer scratch.Destroy()
	if err := scratch.LoadCombined(full, module.ParamsFile); err != nil {
		return err
	}
	for _, name := range module.Params {
		v, err := scratch.Float32(name)
		if err != nil {
			return err
		}
		shape, _, err := scratch.Shape(name)
		if err != nil {
			return err
		}
		if err := scope.SetFloat32(name, shape, v); err != nil {
			return err
		}
	}
	return nil
}
