// Package detect is the object-detection module kind: an SSD-style Paddle model whose
// output is multiclass_nms's rows [class, score, xmin, ymin, xmax, ymax] (coordinates in
// [0, 1] of the model's input), a label file naming the classes (background first), and
// the preprocessing the model was trained with (PaddleHub's ssd_mobilenet_v1_pascal).
//
//	d, err := detect.Open(detect.Files{ModelDir: "ssd/model", Labels: "ssd/label_list.txt",
//	        Config: detect.DefaultConfig()}, detect.Options{})
//	defer d.Close()
//	res, err := d.Detect([]string{"street.jpg"})
//	// res[0].Data[0]: {Label: "car", Confidence: 0.93, Left: 12, Top: 34, Right: 300.5, Bottom: 280.1}
//
// Preprocessing follows PaddleHub's SSD unless the module says otherwise (see Config):
// resize to 300×300 ignoring the aspect with PIL's LANCZOS filter, BGR, (x − 127.5) /
// 127.502231, CHW. Postprocessing is PaddleHub's processor.py: rows scoring below the
// threshold (0.5) are dropped, the rest scaled by the picture's width and height, clipped
// to it and named by the label file. Results keep the model's order (by class, then by
// score). With Options.Visualize each picture is also saved with its boxes drawn
// (hub/internal/draw) under Options.OutputDir, and the result says where.
//
// A file that is missing or not an image fails the call with an error naming it. Nothing
// here panics on bad input.
package detect
