// Package imgcls is the image-classification module kind: a Paddle model that maps an
// image to one score per class, a label file naming the classes, and the preprocessing
// the model was trained with (PaddleHub's classifiers, ShuffleNet, ResNet, MobileNet ...).
//
//	c, err := imgcls.Open("shufflenet_v2_imagenet", imgcls.Options{TopK: 3})
//	defer c.Close()
//	res, err := c.Classify([]string{"cat.jpg"})
//	// res[0][0].Label: "Egyptian cat"; res[0][0].Probability: 0.54
//
// Preprocessing follows PaddleHub's classifiers unless the module says otherwise: short
// side resized to 256, centre crop 224×224, RGB, x/255, ImageNet mean and std, CHW (see
// Config). Labels are read from an ImageNet synset file ("n01440764 tench, Tinca tinca")
// or a PaddleHub label list ("tench, Tinca tinca"); like PaddleHub, results name a class by
// the text before the first comma ("tench").
//
// Results are the TopK classes of each image, most probable first, as PaddleHub returns
// them: one {label: probability} per class. A file that is missing or not an image fails
// the call with an error naming it. Nothing here panics on bad input.
package imgcls
