// Command imageprep writes the model input that gohub's image reader makes from an image file,
// as raw little-endian float32 [1,3,H,W], with one of PaddleHub's recipes:
//
//   - classifier (default): short side 256, centre crop 224×224, RGB, (x/255 - mean) / std
//     with the ImageNet mean and std;
//   - resnet_v2_50_imagenet: the classifier recipe with PIL's LANCZOS filter, as PaddleHub's
//     resnet_v2_50_imagenet resizes (hub/known.go's recipe; hub's Resnet tests check that the
//     installed module's preprocessing makes the same bytes);
//   - ssd: ssd_mobilenet_v1_pascal's 300×300 ignoring the aspect with PIL's LANCZOS, BGR,
//     (x - 127.5) / 127.502231.
//
// scripts/oracle/model_golden.py feeds these bytes to real Paddle, so the golden outputs of the
// image cases start from exactly the tensor our reader produces (JPEG decoders differ by a few
// levels, which a numpy re-implementation would not reproduce).
//
//	go run ./scripts/oracle/imageprep [-recipe classifier|resnet_v2_50_imagenet|ssd] IMAGE OUT.bin
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"os"

	"github.com/gohub/gohub/readers/picture"
)

var imagenet = picture.Normalize{
	Order: picture.RGB, Divisor: 255,
	Mean: [3]float64{0.485, 0.456, 0.406}, Std: [3]float64{0.229, 0.224, 0.225},
}

var recipes = map[string]picture.Preprocess{
	"classifier":            {ResizeShort: 256, Width: 224, Height: 224, Normalize: imagenet},
	"resnet_v2_50_imagenet": {ResizeShort: 256, Width: 224, Height: 224, Filter: picture.Lanczos, Normalize: imagenet},
	"ssd": {
		Width: 300, Height: 300, Filter: picture.Lanczos,
		Normalize: picture.Normalize{
			Order: picture.BGR, Divisor: 1,
			Mean: [3]float64{127.5, 127.5, 127.5}, Std: [3]float64{127.502231, 127.502231, 127.502231},
		},
	},
}

// prepare returns the input tensor for the image at path as raw little-endian float32 bytes.
func prepare(recipe, path string) ([]byte, error) {
	p, ok := recipes[recipe]
	if !ok {
		return nil, fmt.Errorf("unknown recipe %q (want classifier, resnet_v2_50_imagenet or ssd)", recipe)
	}
	b, err := p.Load([]string{path})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := binary.Write(&buf, binary.LittleEndian, b.Data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func main() {
	recipe := flag.String("recipe", "classifier", "classifier, resnet_v2_50_imagenet or ssd")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: imageprep [-recipe classifier|resnet_v2_50_imagenet|ssd] IMAGE OUT.bin")
		os.Exit(2)
	}
	data, err := prepare(*recipe, flag.Arg(0))
	if err == nil {
		err = os.WriteFile(flag.Arg(1), data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "imageprep:", err)
		os.Exit(1)
	}
}
