package imgbatch_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"

	"github.com/gohub/gohub/readers/dataset"
	"github.com/gohub/gohub/readers/imgbatch"
)

// A training epoch resumed at batch 10, then the share of the time the step waited for
// pictures.
func ExampleReader_Epoch() {
	cv, err := dataset.LoadCV("../shared/data/catdog", dataset.CVFiles{})
	if err != nil {
		log.Fatal(err)
	}
	r, err := imgbatch.NewReader(imgbatch.Config{
		Mean: [3]float64{0.485, 0.456, 0.406}, // the pretrained module's
		Std:  [3]float64{0.229, 0.224, 0.225},
	})
	if err != nil {
		log.Fatal(err)
	}
	it := r.Epoch(context.Background(), cv.Train, imgbatch.EpochOptions{
		BatchSize: 32, Shuffle: true, DropLast: true, Augment: true,
		Seed: 1, Epoch: 3, StartBatch: 10,
	})
	defer it.Close()
	for {
		b, err := it.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			log.Fatal(err) // names the file that could not be read
		}
		_ = b.Shape() // [32 3 224 224]: feed b.Images and b.Labels to the step
		b.Release()
	}
	s := it.Stats()
	fmt.Printf("%d batches, waited %.0f%% of the time for data\n", s.Batches, 100*s.WaitShare())
}
