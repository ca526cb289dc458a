// Package facedet is the face-detection module kind: PaddleHub's pyramidbox_lite_mobile
// (faces with a confidence and a box) and pyramidbox_lite_mobile_mask (the same faces, each
// then cropped and classified MASK or NO MASK).
//
// The recipe follows PaddleHub's module code (data_feed.py, processor.py):
//
//   - the picture (BGR, as cv2.imread gives it) is resized by Shrink (0.5) to
//     int(w*shrink)×int(h*shrink) with OpenCV's bilinear resize (readers/picture.Resize), laid
//     out as float32 CHW and normalised as (x - [104, 117, 123]) * 0.007843;
//   - the detector's NMS rows [label, score, x1, y1, x2, y2] scoring above ConfThreshold
//     (0.6, strictly above) become boxes x*resized_w/shrink, y*resized_h/shrink (float64, as
//     numpy 1.x computes them), clipped to the picture and truncated to whole pixels;
//   - for the mask module each box is cropped as cv2.getRotationMatrix2D + cv2.warpAffine do
//     it (128×128 around the box centre, the longer half-side ×1.5 mapped onto 64 pixels;
//     OpenCV's fixed-point bilinear sampling and black border, reproduced bit for bit), fed
//     as x/256 - 0.5 (float32 CHW, BGR), one face per run, and labelled with the argmax of
//     the classifier's two probabilities ("NO MASK", "MASK") and that probability.
//
// Results have PaddleHub's form: {"data": [{"label", "confidence", "left", "top", "right",
// "bottom"}], "path"}; for the faces-only module there is no label and the confidence is
// the detector's. Visualisation draws the boxes as PaddleHub does (faces: cyan outlines;
// mask: green for MASK, red for NO MASK, with "MASK: 99.12%" captions) under OutputDir.
package facedet
