// Package paddlecase reads the ShuffleNetV2 cases of testdata/models that real Paddle wrote
// (scripts/oracle/model_golden.py): a photo of the shared folder, the input tensor Paddle was
// fed and Paddle's softmax over the 1000 ImageNet classes. Tests of every layer (the image
// classifier, the hub loader, the CLI) compare with the same cases through it.
package paddlecase

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/internal/shared"
)

// ShuffleNet names the cases of the shared ShuffleNetV2, in a fixed order.
var ShuffleNet = []string{"shufflenet_v2_imagenet_egypt_cat", "shufflenet_v2_imagenet_serving_cat"}

// ErrNoPhoto is wrapped by Load when the case's photo is not in the shared folder (tests skip).
var ErrNoPhoto = errors.New("paddlecase: the case's photo is not in the shared folder")

// Case is one ShuffleNetV2 case.
type Case struct {
	Name  string
	Photo string    // the photo's path in the shared folder
	Input []byte    // the [1,3,224,224] float32 tensor Paddle was fed, little-endian
	Probs []float32 // Paddle's probabilities, class by class
}

// ShuffleNetCases loads every ShuffleNetV2 case for a test: it skips the test where a photo is
// absent and fails it on any other error.
func ShuffleNetCases(t testing.TB) []Case {
	t.Helper()
	cases := make([]Case, 0, len(ShuffleNet))
	for _, name := range ShuffleNet {
		c, err := Load(name)
		if errors.Is(err, ErrNoPhoto) {
			t.Skipf("%v", err)
		}
		if err != nil {
			t.Fatalf("%v", err)
		}
		cases = append(cases, c)
	}
	return cases
}

// Load reads case name from testdata, the folder at the module's root.
func Load(name string) (Case, error) {
	root, err := shared.ModuleRoot()
	if err != nil {
		return Case{}, err
	}
	dir := filepath.Join(root, "testdata", "models", name)
	raw, err := os.ReadFile(filepath.Join(dir, "case.json"))
	if err != nil {
		return Case{}, errors.Wrap(err, "paddlecase")
	}
	var meta struct {
		Model struct {
			ModelDir string `json:"model_dir"`
		} `json:"model"`
		Image  string `json:"image"`
		Inputs []struct {
			Shape []int  `json:"shape"`
			File  string `json:"file"`
		} `json:"inputs"`
		Outputs []struct {
			Shape []int  `json:"shape"`
			File  string `json:"file"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		return Case{}, errors.Wrapf(err, "paddlecase: %s", name)
	}
	if meta.Model.ModelDir != "models/shufflenet_v2_imagenet" || len(meta.Inputs) != 1 ||
		len(meta.Outputs) != 1 || !equal(meta.Inputs[0].Shape, 1, 3, 224, 224) ||
		!equal(meta.Outputs[0].Shape, 1, 1000) {
		return Case{}, errors.Errorf("paddlecase: %s is not a ShuffleNetV2 case ([1,3,224,224] in, [1,1000] out)", name)
	}
	photo, err := shared.Path(strings.Split(meta.Image, "/")...)
	if err != nil {
		return Case{}, errors.Wrapf(ErrNoPhoto, "%s: %v", name, err)
	}
	c := Case{Name: name, Photo: photo, Probs: make([]float32, 1000)}
	if c.Input, err = os.ReadFile(filepath.Join(dir, meta.Inputs[0].File)); err != nil {
		return Case{}, errors.Wrap(err, "paddlecase")
	}
	if len(c.Input) != 4*3*224*224 {
		return Case{}, errors.Errorf("paddlecase: %s: input holds %d bytes", name, len(c.Input))
	}
	out, err := os.ReadFile(filepath.Join(dir, meta.Outputs[0].File))
	if err != nil {
		return Case{}, errors.Wrap(err, "paddlecase")
	}
	if len(out) != 4*1000 {
		return Case{}, errors.Errorf("paddlecase: %s: output holds %d bytes", name, len(out))
	}
	if err := binary.Read(bytes.NewReader(out), binary.LittleEndian, c.Probs); err != nil {
		return Case{}, errors.Wrap(err, "paddlecase")
	}
	return c, nil
}

// Top returns the classes of Paddle's k largest probabilities, largest first.
func (c Case) Top(k int) []int { return TopClasses(c.Probs, k) }

// TopClasses returns the indices of the k largest probabilities, largest first (ties in
// index order).
func TopClasses(probs []float32, k int) []int {
	idx := make([]int, len(probs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return probs[idx[a]] > probs[idx[b]] })
	return idx[:k]
}

func equal(got []int, want ...int) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}
