package hub

import (
	"github.com/gohub/gohub/hub/detect"
	"github.com/gohub/gohub/hub/facedet"
	"github.com/gohub/gohub/hub/imgcls"
	"github.com/gohub/gohub/hub/lexical"
)

// Cut runs lexical analysis on texts: one result per text, with PaddleHub's fields word
// and tag.
func (m *Module) Cut(texts []string) ([]lexical.Result, error) {
	a, ok := m.instance.(*lexical.Analyzer)
	if !ok {
		return nil, m.wrongKind("Cut", "a lexical analysis")
	}
	return a.Cut(texts)
}

// Classify runs an image-classification module on image files: per image, its top
// classes with their probabilities, most probable first.
func (m *Module) Classify(paths []string) ([]imgcls.Result, error) {
	c, ok := m.instance.(*imgcls.Classifier)
	if !ok {
		return nil, m.wrongKind("Classify", "an image classification")
	}
	return c.Classify(paths)
}

// Detect runs an object-detection module on picture files: per picture, the objects found
// (label, confidence, box in pixels), as PaddleHub's object_detection returns them.
func (m *Module) Detect(paths []string) ([]detect.Result, error) {
	d, ok := m.instance.(*detect.Detector)
	if !ok {
		return nil, m.wrongKind("Detect", "an object detection")
	}
	return d.Detect(paths)
}

// DetectFaces runs a face module on picture files: per picture, the faces found (box and
// confidence; with the mask module, label MASK or NO MASK and its confidence), as
// PaddleHub's face_detection returns them.
func (m *Module) DetectFaces(paths []string) ([]facedet.Result, error) {
	d, ok := m.instance.(*facedet.Detector)
	if !ok {
		return nil, m.wrongKind("DetectFaces", "a face detection")
	}
	return d.DetectFaces(paths)
}
