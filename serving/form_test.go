package serving

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const formType = "application/x-www-form-urlencoded"

// part is one part of a multipart form: a field, or a file when file is set.
type part struct {
	name, file string
	data       []byte
}

// multipartBody encodes parts as a multipart form, with its content type.
func multipartBody(t *testing.T, parts ...part) (string, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		var (
			pw  io.Writer
			err error
		)
		if p.file != "" {
			pw, err = w.CreateFormFile(p.name, p.file)
		} else {
			pw, err = w.CreateFormField(p.name)
		}
		require.NoError(t, err)
		_, err = pw.Write(p.data)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return w.FormDataContentType(), b.String()
}

// postRaw posts body and returns the HTTP status and the body as it came.
func (ts *testServer) postRaw(t *testing.T, path, contentType, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(ts.url+path, contentType, strings.NewReader(body))
	require.NoError(t, err)
	return resp.StatusCode, readAll(resp)
}

// TestFormText posts lac's texts as PaddleHub 1.x's clients do (requests.post(url,
// data={"text": [...]}), or a multipart form): 1.x's answer, status "0".
func TestFormText(t *testing.T) {
	h := installed(t, "lac")
	ts := start(t, lacConfig(nil), h, nil)
	want := `{"msg":"","results":[{"word":["今天","是","个","好日子"],"tag":["TIME","v","q","n"]},{"word":["天气预报","说","今天","要","下雨"],"tag":["n","v","TIME","v","v"]}],"status":"0"}`

	form := url.Values{"text": {"今天是个好日子", "天气预报说今天要下雨"}}.Encode()
	code, raw := ts.postRaw(t, "/predict/text/lac", formType, form)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, want, raw)

	ct, body := multipartBody(t, part{name: "text", data: []byte("今天是个好日子")}, part{name: "text", data: []byte("天气预报说今天要下雨")},
		part{name: "other", data: []byte("ignored, as PaddleHub's lac ignores it")})
	code, raw = ts.postRaw(t, "/predict/text/lac", ct, body)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, want, raw)

	_, metrics := ts.get(t, "/metrics")
	assert.Contains(t, metrics, `gohub_serving_requests_total{code="200",module="lac",status="000"} 2`)
	assert.Contains(t, metrics, `gohub_serving_batch_size_sum{module="lac"} 4`, "the form route's texts ran on the batcher")
}

// TestFormTextUserDict: a user dictionary is the module's, from init_args; one posted with
// a request (PaddleHub 1.x's file field user_dict) is ignored, as PaddleHub's lac ignores it.
func TestFormTextUserDict(t *testing.T) {
	h := installed(t, "lac")
	dict := filepath.Join(t.TempDir(), "user.dict")
	require.NoError(t, os.WriteFile(dict, []byte("好日子/GOOD\n"), 0o644))
	ts := start(t, lacConfig(func(c *Config) { c.Modules[0].InitArgs = map[string]any{"user_dict": dict} }), h, nil)
	want := `{"msg":"","results":[{"word":["今天","是","个","好日子"],"tag":["TIME","v","q","GOOD"]}],"status":"0"}`

	code, raw := ts.postRaw(t, "/predict/text/lac", formType, "text="+url.QueryEscape("今天是个好日子"))
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, want, raw, "init_args' user_dict applies on the form route")

	ct, body := multipartBody(t, part{name: "text", data: []byte("今天是个好日子")},
		part{name: "user_dict", file: "mine.dict", data: []byte("今天是/X\n个好/Y\n")})
	code, raw = ts.postRaw(t, "/predict/text/lac", ct, body)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, want, raw, "the request's user_dict changes nothing")
}

// TestFormTextBadInput: every wrong text form gets a clear answer, and the server goes on.
func TestFormTextBadInput(t *testing.T) {
	h := installed(t, "lac")
	ts := start(t, lacConfig(func(c *Config) { c.MaxBodyBytes = 1000 }), h, nil)
	ct, noText := multipartBody(t, part{name: "texts", data: []byte("好")})
	for _, tt := range []struct {
		name, path, contentType, body string
		code                          int
		want                          string
	}{
		{"no text field", "/predict/text/lac", formType, "texts=a", 400, `{"msg":"lac: missing form field \"text\" (one per text: text=...&text=...)","results":"","status":"-1"}`},
		{"no text part", "/predict/text/lac", ct, noText, 400, `missing form field \"text\"`},
		{"JSON", "/predict/text/lac", jsonType, `{"text": ["a"]}`, 415, "POST a form (multipart/form-data or application/x-www-form-urlencoded) to /predict/text/lac, or JSON to /predict/lac"},
		{"no content type", "/predict/text/lac", "", "text=a", 415, "POST a form"},
		{"broken multipart", "/predict/text/lac", "multipart/form-data; boundary=xyz", "--xyz\r\nnonsense", 400, "the body is not a multipart/form-data form"},
		{"multipart without boundary", "/predict/text/lac", "multipart/form-data", "text=a", 400, "the body is not a multipart/form-data form"},
		{"bad escape", "/predict/text/lac", formType, "text=%zz", 400, "the body is not a application/x-www-form-urlencoded form"},
		{"oversized", "/predict/text/lac", formType, "text=" + strings.Repeat("a", 2000), 413, "the request body exceeds 1000 bytes"},
		{"text not UTF-8", "/predict/text/lac", formType, "text=%ff", 200, "\"word\":[\"\ufffd\"]"},
		{"unknown module", "/predict/text/ernie", formType, "text=a", 404, `{"error":"Module ernie is not available."}`},
		{"lac at the image route", "/predict/image/lac", formType, "text=a", 400, `{"error":"Module lac is not available at /predict/image/: it is served at /predict/text/lac."}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, raw := ts.postRaw(t, tt.path, tt.contentType, tt.body)
			assert.Equal(t, tt.code, code)
			assert.Contains(t, raw, tt.want)
		})
	}
	code, body := ts.get(t, "/predict/text/lac")
	assert.Equal(t, http.StatusMethodNotAllowed, code)
	assert.Contains(t, body, "POST a form to /predict/text/lac")

	code, raw := ts.postRaw(t, "/predict/text/lac", formType, "text=好")
	assert.Equal(t, http.StatusOK, code, raw)
}

// TestFormImageClassification posts pictures to the 1.x image route: files or data: URLs,
// answered with the Python literal of the 1.x module's output, the JSON route's top class.
func TestFormImageClassification(t *testing.T) {
	h := installed(t, "shufflenet_v2_imagenet", "lac")
	cat, b64 := sharedImage(t, "pld_tabby_cat.jpg")
	ts := start(t, Config{Modules: []ModuleConfig{{Name: "shufflenet_v2_imagenet"}, {Name: "lac"}}, Workers: 1, MaxBatchSize: 4}, h, nil)

	// Two pictures, as below: a batch's size may move the last bits of a probability.
	code, r, raw := ts.post(t, "/predict/shufflenet_v2_imagenet", jsonType, fmt.Sprintf(`{"images": [%q, %q]}`, b64, b64))
	require.Equal(t, http.StatusOK, code, raw)
	var top []map[string]float64
	results(t, r, &top)
	require.Len(t, top, 2)
	require.Len(t, top[0], 1)
	var one string
	for label, p := range top[0] {
		one = fmt.Sprintf("[{%s: %s}]", pyStr(label), pyFloat(p))
	}
	want := `{"msg":"","results":"[` + one + `, ` + one + `]","status":"0"}`

	ct, body := multipartBody(t, part{name: "image", file: "cat.jpg", data: cat}, part{name: "image", file: "cat2.jpg", data: cat})
	code, raw = ts.postRaw(t, "/predict/image/shufflenet_v2_imagenet", ct, body)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, want, raw, "one batch of one per picture (predict_args' batch_size, PaddleHub's 1)")

	dataURL := "data:image/jpeg;base64," + b64
	form := url.Values{"image": {dataURL, dataURL}}.Encode()
	code, raw = ts.postRaw(t, "/predict/image/shufflenet_v2_imagenet", formType, form)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, want, raw, "pictures as data: URLs")

	half := cat[:len(cat)/2]
	for _, tt := range []struct {
		name, contentType, body string
		code                    int
		want                    string
	}{
		{"gif data URL", formType, url.Values{"image": {"data:image/gif;base64," + b64}}.Encode(), 400, "Unrecognized file type: form field image 0"},
		{"data URL not base64", formType, url.Values{"image": {"data:image/png;base64,%%%"}}.Encode(), 400, "form field image 0 is not base64"},
		{"no picture", formType, "top_k=3", 400, `missing pictures: post them as multipart files named \"image\"`},
		{"file of another name", ct, strings.ReplaceAll(body, `name="image"`, `name="img"`), 400, "missing pictures"},
		{"not a picture", "", "", 400, `shufflenet_v2_imagenet: notes.txt: not an image gohub reads (JPEG, PNG or BMP)","results":"","status":"-1"`},
		{"broken picture", "", "", 400, `shufflenet_v2_imagenet: half.jpg: broken JPEG image`},
		{"JSON", jsonType, `{"images": []}`, 415, "POST a form"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ct, body := tt.contentType, tt.body
			switch tt.name {
			case "not a picture":
				ct, body = multipartBody(t, part{name: "image", file: "notes.txt", data: []byte("hello")})
			case "broken picture":
				ct, body = multipartBody(t, part{name: "image", file: "cat.jpg", data: cat}, part{name: "image", file: "half.jpg", data: half})
			}
			code, raw := ts.postRaw(t, "/predict/image/shufflenet_v2_imagenet", ct, body)
			assert.Equal(t, tt.code, code)
			assert.Contains(t, raw, tt.want)
		})
	}
	code, raw = ts.postRaw(t, "/predict/text/shufflenet_v2_imagenet", formType, "text=a")
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Equal(t, `{"error":"Module shufflenet_v2_imagenet is not available at /predict/text/: it is served at /predict/image/shufflenet_v2_imagenet."}`, raw)
	code, raw = ts.postRaw(t, "/predict/image/ernie", ct, body)
	assert.Equal(t, http.StatusNotFound, code)
	assert.Equal(t, `{"error":"Module ernie is not available."}`, raw)

	entries, err := os.ReadDir(ts.tmpDir)
	require.NoError(t, err)
	assert.Empty(t, entries, "saved pictures are removed once answered")
}

// TestFormImageBatchSize: predict_args' batch_size groups a 1.x classification module's
// output, as PaddleHub's does.
func TestFormImageBatchSize(t *testing.T) {
	h := installed(t, "shufflenet_v2_imagenet")
	cat, _ := sharedImage(t, "pld_tabby_cat.jpg")
	ts := start(t, Config{Modules: []ModuleConfig{{Name: "shufflenet_v2_imagenet",
		PredictArgs: map[string]any{"batch_size": json.Number("2"), "top_k": json.Number("2")}}}, Workers: 1}, h, nil)
	ct, body := multipartBody(t, part{name: "image", file: "a.jpg", data: cat}, part{name: "image", file: "b.jpg", data: cat},
		part{name: "image", file: "c.jpg", data: cat})
	code, r, raw := ts.post(t, "/predict/image/shufflenet_v2_imagenet", ct, body)
	require.Equal(t, http.StatusOK, code, raw)
	dict := `\{'[^']+': [0-9.e-]+, '[^']+': [0-9.e-]+\}`
	assert.Regexp(t, `^\[\[`+dict+`, `+dict+`\], \[`+dict+`\]\]$`, r.Results)
}

// TestFormImageDetection: per picture its objects and the client's file name; where the
// module draws, the drawn picture comes back as a data: URL and is not kept.
func TestFormImageDetection(t *testing.T) {
	h := installed(t, "ssd_mobilenet_v1_pascal")
	dog, _ := sharedImage(t, "pld_dog.jpg")
	out := t.TempDir()
	ts := start(t, Config{Modules: []ModuleConfig{{Name: "ssd_mobilenet_v1_pascal",
		PredictArgs: map[string]any{"visualization": true, "output_dir": out}}}, Workers: 1}, h, nil)
	ct, body := multipartBody(t, part{name: "image", file: "dog.jpg", data: dog})
	code, r, raw := ts.post(t, "/predict/image/ssd_mobilenet_v1_pascal", ct, body)
	require.Equal(t, http.StatusOK, code, raw)
	assert.Equal(t, "0", r.Status)
	literal := r.Results.(string)
	object := `\{'label': 'diningtable', 'confidence': [0-9.e-]+, 'left': [0-9.e-]+, 'top': [0-9.e-]+, 'right': [0-9.e-]+, 'bottom': [0-9.e-]+\}`
	assert.Regexp(t, `^\[\{'data': \[`+object+`(, `+object+`)*\], 'path': 'dog.jpg', 'base64': 'data:image/jpg;base64,[A-Za-z0-9+/=]+'\}\]$`, literal)
	drawn := regexp.MustCompile(`base64,([A-Za-z0-9+/=]+)'`).FindStringSubmatch(literal)
	require.Len(t, drawn, 2)
	png, err := base64.StdEncoding.DecodeString(drawn[1])
	require.NoError(t, err)
	assert.NotEqual(t, dog, png, "the drawn picture, not the posted one")
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Empty(t, entries, "the drawn picture is not kept")
}

// TestFormImageFaces: PaddleHub 1.x's mask answer: per picture its faces and id, or
// 'No face.'; visual_result asks for the drawn picture, where the module draws.
func TestFormImageFaces(t *testing.T) {
	h := installed(t, "pyramidbox_lite_mobile_mask")
	astronaut, _ := sharedImage(t, "skimage_astronaut.png")
	flat := bigFlatPNG(t)
	ts := start(t, Config{Modules: []ModuleConfig{{Name: "pyramidbox_lite_mobile_mask"}}, Workers: 1}, h, nil)
	ct, body := multipartBody(t, part{name: "image", file: "astronaut.png", data: astronaut}, part{name: "image", file: "flat.png", data: flat})
	code, r, raw := ts.post(t, "/predict/image/pyramidbox_lite_mobile_mask", ct, body)
	require.Equal(t, http.StatusOK, code, raw)
	assert.Regexp(t, `^\[\{'data': \[\{'label': 'NO MASK', 'confidence': 0\.9[0-9]+, 'left': 177, 'top': 57, 'right': 271, 'bottom': 177\}\], 'path': '', 'id': 1\}, \{'data': 'No face.', 'id': 2, 'path': ''\}\]$`, r.Results)

	// visual_result without drawing (no visualization in predict_args): nothing to send back.
	ct, body = multipartBody(t, part{name: "image", file: "astronaut.png", data: astronaut}, part{name: "visual_result", data: []byte("True")})
	code, r, raw = ts.post(t, "/predict/image/pyramidbox_lite_mobile_mask", ct, body)
	require.Equal(t, http.StatusOK, code, raw)
	assert.NotContains(t, r.Results, "base64")

	out := t.TempDir()
	drawing := start(t, Config{Modules: []ModuleConfig{{Name: "pyramidbox_lite_mobile_mask",
		PredictArgs: map[string]any{"visualization": true, "output_dir": out}}}, Workers: 1}, h, nil)
	code, r, raw = drawing.post(t, "/predict/image/pyramidbox_lite_mobile_mask", ct, body)
	require.Equal(t, http.StatusOK, code, raw)
	assert.Regexp(t, `'path': 'astronaut.png', 'id': 1, 'base64': 'data:image/png;base64,[A-Za-z0-9+/=]+'\}\]$`, r.Results)
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Empty(t, entries, "the drawn picture is not kept")
}
