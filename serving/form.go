package serving

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/store"
)

// PaddleHub 1.x's form routes, kept for its clients: POST /predict/text/<module> reads
// form fields (lac's "text", once per text) and POST /predict/image/<module> reads
// pictures (multipart files named "image", or fields "image" holding data: URLs). Their
// requests join the same batches, queue and timeout as the JSON route's. They answer with
// 1.x's status codes, "0" and "-1", whatever Config.LegacyStatus says; a module that is
// not served, or not on this route, gets 1.x's {"error": ...}.

// form is a form post's fields and files.
type form struct {
	values map[string][]string
	files  map[string][]*multipart.FileHeader
}

// formRoute answers POST /predict/<kind>/<module>: the form read, then answer.
func (s *Server) formRoute(kind string,
	answer func(*http.Request, *module, *form) (int, Response)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start, name := time.Now(), r.PathValue("module")
		m, f, ok := s.formFor(w, r, start, name, kind)
		if !ok {
			return
		}
		code, resp := answer(r, m, f)
		s.reply(w, name, start, code, resp, true)
	}
}

// formFor finds the module a form route names and reads the form, or answers.
func (s *Server) formFor(w http.ResponseWriter, r *http.Request, start time.Time, name, route string) (*module, *form, bool) {
	if r.Method != http.MethodPost {
		code, resp := fail(http.StatusMethodNotAllowed, StatusPredictError, "POST a form to /predict/%s/%s", route, name)
		s.reply(w, name, start, code, resp, true)
		return nil, nil, false
	}
	m := s.module(name)
	if m == nil {
		code, resp := s.missing(name)
		s.refuse(w, name, start, code, resp)
		return nil, nil, false
	}
	if text := m.kind == store.KindLexicalAnalysis; text != (route == "text") {
		other := "image"
		if text {
			other = "text"
		}
		code, resp := fail(http.StatusBadRequest, StatusNoModule,
			"Module %s is not available at /predict/%s/: it is served at /predict/%s/%s.", name, route, other, name)
		s.refuse(w, name, start, code, resp)
		return nil, nil, false
	}
	f, code, resp := s.readForm(w, r, route, name)
	if f == nil {
		s.reply(w, name, start, code, resp, true)
		return nil, nil, false
	}
	return m, f, true
}

// refuse answers as PaddleHub 1.x does a form post for a module it does not serve there:
// {"error": "..."}.
func (s *Server) refuse(w http.ResponseWriter, name string, start time.Time, code int, resp Response) {
	writeJSON(w, code, map[string]string{"error": resp.Msg})
	s.metrics.observe(name, s.module(name) != nil, resp.Status, code, time.Since(start))
	s.log.Info("bad request", "module", name, "http", code, "msg", resp.Msg)
}

// readForm reads a multipart or URL-encoded form, its files kept in memory (the body's
// size is bounded by Config.MaxBodyBytes).
func (s *Server) readForm(w http.ResponseWriter, r *http.Request, route, name string) (*form, int, Response) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	switch mt {
	case "multipart/form-data":
		err = r.ParseMultipartForm(s.cfg.MaxBodyBytes)
	case "application/x-www-form-urlencoded":
		err = r.ParseForm()
	default:
		code, resp := fail(http.StatusUnsupportedMediaType, StatusPredictError,
			"POST a form (multipart/form-data or application/x-www-form-urlencoded) to /predict/%s/%s, or JSON to /predict/%s", route, name, name)
		return nil, code, resp
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		code, resp := fail(http.StatusRequestEntityTooLarge, StatusPredictError, "the request body exceeds %d bytes", s.cfg.MaxBodyBytes)
		return nil, code, resp
	case err != nil:
		code, resp := fail(http.StatusBadRequest, StatusPredictError, "the body is not a %s form: %v", mt, err)
		return nil, code, resp
	}
	f := &form{values: r.PostForm, files: map[string][]*multipart.FileHeader{}}
	if r.MultipartForm != nil {
		f.files = r.MultipartForm.File
	}
	return f, 0, Response{}
}

// answerText runs lac on the form's "text" fields. A "user_dict" file is accepted and
// ignored, as PaddleHub's lac does (its lexical_analysis drops the argument with a
// warning): a user dictionary is the module's, set by init_args' user_dict.
func (s *Server) answerText(r *http.Request, m *module, f *form) (int, Response) {
	texts, ok := f.values["text"]
	if !ok {
		return fail(http.StatusBadRequest, StatusPredictError, `%s: missing form field "text" (one per text: text=...&text=...)`, m.name)
	}
	if len(f.files["user_dict"]) > 0 {
		s.log.Warn("a request's user_dict is ignored, as PaddleHub's lac ignores it: set init_args' user_dict in the config", "module", m.name)
	}
	// json.Marshal writes bytes that are not UTF-8 as U+FFFD, as werkzeug decodes PaddleHub's forms.
	raw, err := json.Marshal(texts)
	if err != nil {
		return fail(http.StatusInternalServerError, StatusPredictError, "%s", err)
	}
	req, err := m.parse(m, map[string]json.RawMessage{"text": raw}, nil)
	if err != nil {
		return parseFailed(err)
	}
	return s.run(r.Context(), m, req)
}

// answerImage runs an image module on the form's pictures and answers with PaddleHub
// 1.x's results (formResults). Other fields are not arguments, as in PaddleHub, where
// they do not reach these modules; the module's predict_args apply.
func (s *Server) answerImage(r *http.Request, m *module, f *form) (int, Response) {
	ups, err := formPictures(m, f)
	if err != nil {
		return parseFailed(err)
	}
	req, err := m.parse(m, map[string]json.RawMessage{}, func(map[string]json.RawMessage) (*request, error) { return m.save(ups) })
	if err != nil {
		return parseFailed(err)
	}
	defer req.cleanup()
	code, resp := s.run(r.Context(), m, req)
	if code != http.StatusOK {
		return code, resp
	}
	_, visual := f.values["visual_result"]
	if resp.Results, err = m.formResults(req, resp.Results.([]any), visual); err != nil {
		return fail(http.StatusInternalServerError, StatusPredictError, "%s", err)
	}
	return code, resp
}

// formPictures reads the form's pictures as PaddleHub 1.x does: the fields named "image"
// (data:image/<jpeg|jpg|png>;base64,... URLs) if there are any, else the files named
// "image".
func formPictures(m *module, f *form) ([]upload, error) {
	var ups []upload
	for i, v := range f.values["image"] {
		head, payload, _ := strings.Cut(v, ",")
		typ, _, _ := strings.Cut(head, ";")
		ext := typ[strings.LastIndexByte(typ, '/')+1:]
		if ext != "jpeg" && ext != "jpg" && ext != "png" {
			return nil, m.inputErrorf("Unrecognized file type: form field image %d is not a data:image/jpeg, jpg or png;base64 URL", i)
		}
		data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(payload))
		if err != nil {
			return nil, m.inputErrorf("form field image %d is not base64: %v", i, err)
		}
		// PaddleHub names such a picture by a hash; the answer's path says it.
		ups = append(ups, upload{name: fmt.Sprintf("%x.%s", md5.Sum(data), ext), data: data})
	}
	if ups != nil {
		return ups, nil
	}
	for _, fh := range f.files["image"] {
		data, err := readFile(fh)
		if err != nil {
			return nil, err
		}
		ups = append(ups, upload{name: fh.Filename, data: data})
	}
	if ups == nil {
		return nil, m.inputErrorf(`missing pictures: post them as multipart files named "image" (or fields "image" holding data: URLs)`)
	}
	return ups, nil
}

func readFile(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, errors.Wrapf(err, "read the form file %s", fh.Filename)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	return data, errors.Wrapf(err, "read the form file %s", fh.Filename)
}
