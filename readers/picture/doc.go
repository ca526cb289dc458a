// Package image turns image files into the float32 tensors that PaddleHub's image modules
// read: decode, orient, resize, crop, normalise, lay out as CHW and batch.
//
// The package is called image, like its directory, so that the import path says what the
// package is (readers/lac is package lac). Inside it the standard library's image package
// is imported as stdimage; a caller that needs both imports this one under another name.
//
// # Decoding
//
// Files are recognised by their first bytes, never by their extension: JPEG (baseline and
// progressive), PNG (any colour type and bit depth, palette included) and BMP. Anything else
// is an error that names the file and says what it looks like.
//
// Every decoded picture becomes an Image: 8-bit RGB, interleaved, row-major. Alpha is
// dropped, not composited: cv2.imread(path) (IMREAD_COLOR) strips it and PIL's
// convert('RGB') does too, so the colour stored under a transparent pixel is what PaddleHub's
// modules see. 16-bit samples keep their high byte, as cv2.imread does.
//
// PNG pixels equal OpenCV's (the tests check six PNGs end to end). JPEG pixels are Go's decoder's: its IDCT and its
// chroma upsampling (nearest, where libjpeg interpolates) differ from libjpeg-turbo's, by
// about half a grey level on average and up to 20 levels at sharp colour edges.
//
// JPEG files are turned upright by their EXIF orientation tag, as cv2.imread does by
// default. PIL, which PaddleHub 1.x classifiers open files with, ignores the tag; for the
// photographs in common use (orientation 1 or absent) the two agree.
//
// # Geometry
//
// Resize is bilinear interpolation as cv2.resize(INTER_LINEAR) computes it on 8-bit images:
// half-pixel centres, edge clamping and OpenCV's 11-bit fixed-point weights, so results
// match OpenCV's. ResizeShort and CenterCrop reproduce PaddleHub's classifier recipe
// (short side to 256 with Python's round(), centre crop 224 whose box PIL rounds half to
// even). ResizeLanczos is PIL's Image.resize with the LANCZOS filter (PaddleHub's SSD and
// 1.x classifiers, interp=1), byte for byte: Pillow's separable windowed sinc, its support
// widened by the downscale factor, coefficients in 22-bit fixed point, rows then columns
// through an 8-bit intermediate. Preprocess.Filter picks the filter.
//
// # Tensors
//
// Normalize computes (x/Divisor - mean)/std per channel with the float32/float64 roundings
// numpy performs in PaddleHub's code, then permutes the channels (RGB, BGR, ...), as
// ImageClassificationReader does. Batch packs images of one size into one [N,3,H,W] slice.
package picture
