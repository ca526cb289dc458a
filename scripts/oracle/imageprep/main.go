// Command imageprep writes the model input that gohub's image reader makes from an image file
// with PaddleHub's ImageNet classifier recipe (short side 256, centre crop 224×224, RGB,
// (x/255 - mean) / std with the ImageNet mean and std), as raw little-endian float32 [1,3,224,224].
//
// scripts/oracle/model_golden.py feeds these bytes to real Paddle, so the golden outputs of the
// image cases start from exactly the tensor our reader produces (JPEG decoders differ by a few
// levels, which a numpy re-implementation would not reproduce).
//
//	go run ./scripts/oracle/imageprep IMAGE OUT.bin
package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"

	"github.com/gohub/gohub/readers/image"
)

var classifier = image.Preprocess{
	ResizeShort: 256, Width: 224, Height: 224,
	Normalize: image.Normalize{
		Order: image.RGB, Divisor: 255,
		Mean: [3]float64{0.485, 0.456, 0.406}, Std: [3]float64{0.229, 0.224, 0.225},
	},
}

// prepare returns the input tensor for the image at path as raw little-endian float32 bytes.
func prepare(path string) ([]byte, error) {
	b, err := classifier.Load([]string{path})
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
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: imageprep IMAGE OUT.bin")
		os.Exit(2)
	}
	data, err := prepare(os.Args[1])
	if err == nil {
		err = os.WriteFile(os.Args[2], data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "imageprep:", err)
		os.Exit(1)
	}
}
