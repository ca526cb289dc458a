// Command finetune_catdog is PaddleHub's image classification demo in Go: ShuffleNetV2,
// pretrained on ImageNet, fine-tuned to tell cats from dogs.
//
//	gohub install ../shared/models/shufflenet_v2_imagenet
//	go run ./examples/finetune_catdog ../shared/data/catdog
package main

import (
	"context"
	"log"
	"os"

	"github.com/gohub/gohub/finetune"
	"github.com/gohub/gohub/hub"
	"github.com/gohub/gohub/readers/dataset"
)

func main() {
	module, err := hub.LoadContext("shufflenet_v2_imagenet", true)
	check(err)
	data, err := dataset.LoadCV(os.Args[1], dataset.CVFiles{})
	check(err)
	reader, err := finetune.NewReader(module, finetune.ReaderOptions{})
	check(err)
	task, err := finetune.NewImageClassifierTask(module, data, reader, finetune.RunConfig{
		NumEpoch: 5, CheckpointDir: "ckpt_catdog", Strategy: finetune.NewDefaultFinetuneStrategy()})
	check(err)
	defer task.Close()
	task.Subscribe(finetune.LogEvents(os.Stderr))
	check(task.FinetuneAndEval(context.Background()))
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
