package serving

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/detect"
	"github.com/gohub/gohub/hub/facedet"
	"github.com/gohub/gohub/hub/imgcls"
	"github.com/gohub/gohub/hub/store"
)

// formResults is what PaddleHub 1.x's image route answers for a request's results (each
// already filtered by request.post): the Python literal of the list its handler for the
// module's kind builds.
//
//   - classification: the 1.x module's output, one list per batch of predict_args'
//     batch_size (PaddleHub's default 1) holding each picture's {label: probability};
//   - detection: per picture {'data': [...], 'path': <the client's file name>}, with
//     'base64', the drawn picture as a data: URL, where the module draws (predict_args'
//     visualization); the drawn file is removed, as PaddleHub removes it;
//   - faces: per picture {'data': [...], 'path': <empty>, 'id': n} (n from 1), or
//     {'data': 'No face.', 'id': n, 'path': <empty>}; with a form field visual_result,
//     where the module draws, 'path' is the client's file name and 'base64' the drawn
//     picture.
func (m *module) formResults(req *request, results []any, visual bool) (string, error) {
	var out []any
	switch m.kind {
	case store.KindImageClassification:
		out = m.classifications(results)
	case store.KindObjectDetection:
		for i, v := range results {
			res := v.(detect.Result)
			d := pyDict{{"data", objects(res.Data)}, {"path", req.names[i]}}
			d, err := withDrawing(d, req.names[i], res.SavePath)
			if err != nil {
				return "", err
			}
			out = append(out, d)
		}
	case store.KindFaceDetection:
		for i, v := range results {
			res := v.(facedet.Result)
			if len(res.Data) == 0 {
				out = append(out, pyDict{{"data", "No face."}, {"id", i + 1}, {"path", ""}})
				removeDrawing(res.SavePath)
				continue
			}
			d := pyDict{{"data", faces(res.Data)}, {"path", ""}, {"id", i + 1}}
			if !visual {
				removeDrawing(res.SavePath)
				out = append(out, d)
				continue
			}
			if res.SavePath != "" {
				d[1].value = req.names[i]
			}
			d, err := withDrawing(d, req.names[i], res.SavePath)
			if err != nil {
				return "", err
			}
			out = append(out, d)
		}
	default:
		return "", errors.Errorf("serving: %s has no image route", m.kind)
	}
	return pyLiteral(out)
}

// classifications groups the pictures' top classes by predict_args' batch_size, as a 1.x
// classification module returns them.
func (m *module) classifications(results []any) []any {
	size := 1
	if v, ok := number(m.defaults["batch_size"]); ok && v >= 1 {
		size = int(v)
	}
	var out []any
	for lo := 0; lo < len(results); lo += size {
		var batch []any
		for _, v := range results[lo:min(lo+size, len(results))] {
			var d pyDict
			for _, p := range v.(imgcls.Result) {
				d = append(d, pyItem{p.Label, p.Probability})
			}
			batch = append(batch, d)
		}
		out = append(out, batch)
	}
	return out
}

func objects(objs []detect.Object) []any {
	out := make([]any, len(objs))
	for i, o := range objs {
		out[i] = pyDict{{"label", o.Label}, {"confidence", o.Confidence},
			{"left", o.Left}, {"top", o.Top}, {"right", o.Right}, {"bottom", o.Bottom}}
	}
	return out
}

func faces(fs []facedet.Face) []any {
	out := make([]any, len(fs))
	for i, f := range fs {
		var d pyDict
		if f.Label != "" {
			d = append(d, pyItem{"label", f.Label})
		}
		out[i] = append(d, pyDict{{"confidence", f.Confidence},
			{"left", f.Left}, {"top", f.Top}, {"right", f.Right}, {"bottom", f.Bottom}}...)
	}
	return out
}

// withDrawing adds the drawn picture at path (none: "") to d as PaddleHub's 'base64', a
// data: URL typed by the client's file name, and removes the file.
func withDrawing(d pyDict, name, path string) (pyDict, error) {
	if path == "" {
		return d, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrap(err, "read the drawn picture")
	}
	removeDrawing(path)
	ext := strings.TrimPrefix(filepath.Ext(name), ".")
	if ext == "" {
		ext = strings.TrimPrefix(filepath.Ext(path), ".")
	}
	return append(d, pyItem{"base64", "data:image/" + ext + ";base64," + base64.StdEncoding.EncodeToString(data)}), nil
}

// removeDrawing removes a picture the module drew for a form request: the answer carries
// it, if anything does.
func removeDrawing(path string) {
	if path != "" {
		_ = os.Remove(path)
	}
}
