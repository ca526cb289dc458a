package serving

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/readers/picture"
)

// allocated is the number of bytes the process allocates while f runs.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// bigFlatPNG is a large picture of one colour: a small file whose decoding allocates far
// more than anything else a request does on its way through the server.
func bigFlatPNG(t *testing.T) []byte {
	im := image.NewRGBA(image.Rect(0, 0, 3000, 2000))
	for i := 0; i < len(im.Pix); i += 4 {
		copy(im.Pix[i:], []byte{200, 120, 40, 255})
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, im))
	return b.Bytes()
}

// TestServeDecodesEachPictureOnce: a picture posted to an image module, on either route, is
// decoded once on its way through the server (by the module): not also when the request
// is read, nor again where the module draws its results on it (visualization, the
// detection and face modules). The bytes the request allocates tell: one decoding of the
// picture and, where the module draws, the canvas it draws on (4 bytes a pixel), the rest
// small beside them; a second decoding would add a whole one.
func TestServeDecodesEachPictureOnce(t *testing.T) {
	data := bigFlatPNG(t)
	var im *picture.Image
	once := allocated(func() {
		var err error
		im, err = picture.Decode("flat.png", data)
		require.NoError(t, err)
	})
	require.Equal(t, 3000, im.Width)
	canvas := uint64(4 * im.Width * im.Height)

	drawing := func() map[string]any {
		return map[string]any{"visualization": true, "output_dir": t.TempDir()}
	}
	faces := drawing()
	faces["shrink"] = 0.1 // the face detector's input small beside the picture
	for _, c := range []struct {
		module      string
		predictArgs map[string]any
		drawn       uint64 // what drawing allocates
	}{
		{"shufflenet_v2_imagenet", nil, 0},
		{"ssd_mobilenet_v1_pascal", drawing(), canvas},
		{"pyramidbox_lite_mobile_mask", faces, canvas},
	} {
		t.Run(c.module, func(t *testing.T) {
			h := installed(t, c.module)
			ts := start(t, Config{Modules: []ModuleConfig{{Name: c.module, PredictArgs: c.predictArgs}},
				Workers: 1, MaxBatchSize: 1, MaxBodyBytes: 1 << 30}, h, nil)
			for _, route := range pictureRoutes(t, c.module, data) {
				ts.post(t, route.path, route.contentType, route.body) // warm: the predictor's buffers at this shape
				var code int
				var raw string
				during := allocated(func() { code, _, raw = ts.post(t, route.path, route.contentType, route.body) })
				require.Equal(t, http.StatusOK, code, raw)
				t.Logf("%s: %d bytes allocated; one decoding %d, drawing %d", route.path, during, once, c.drawn)
				assert.Greater(t, during, once*9/10+c.drawn, "%s: the measure sees the decoding and drawing", route.path)
				assert.Less(t, during, once*3/2+c.drawn, "%s: the picture is decoded once", route.path)
			}
		})
	}
}

// route is one request posting a picture to a module.
type route struct{ path, contentType, body string }

// pictureRoutes posts data to the module on the JSON route and on PaddleHub 1.x's form
// route, there asking for the drawn picture back (visual_result) where the module draws.
func pictureRoutes(t *testing.T, module string, data []byte) []route {
	jsonBody := fmt.Sprintf(`{"images": [%q]}`, base64.StdEncoding.EncodeToString(data))
	ct, form := multipartBody(t, part{name: "image", file: "flat.png", data: data}, part{name: "visual_result", data: []byte("True")})
	return []route{
		{"/predict/" + module, jsonType, jsonBody},
		{"/predict/image/" + module, ct, form},
	}
}

// TestServeBrokenPictureAmongOthers: a picture that does not decode, found by the module
// in a batch shared with other requests, fails its own request (400, named as the client
// knows it) and no other.
func TestServeBrokenPictureAmongOthers(t *testing.T) {
	h := installed(t, "shufflenet_v2_imagenet")
	g := newGate()
	ts := start(t, Config{Modules: []ModuleConfig{{Name: "shufflenet_v2_imagenet"}}, Workers: 1, MaxBatchSize: 8}, h, g.wrap)
	cat, b64 := sharedImage(t, "pld_tabby_cat.jpg")
	broken := base64.StdEncoding.EncodeToString(cat[:len(cat)/2])
	answers := make(chan string, 3)
	// The first request holds the worker at the gate; the next two wait and share a batch.
	go ts.postAsync("/predict/shufflenet_v2_imagenet", fmt.Sprintf(`{"images": [%q]}`, b64), answers)
	require.Eventually(t, func() bool { return g.held() == 1 }, 5*time.Second, time.Millisecond)
	go ts.postAsync("/predict/shufflenet_v2_imagenet", fmt.Sprintf(`{"images": [%q, %q]}`, b64, broken), answers)
	go ts.postAsync("/predict/shufflenet_v2_imagenet", fmt.Sprintf(`{"images": [%q]}`, b64), answers)
	require.Eventually(t, func() bool { return ts.module("shufflenet_v2_imagenet").batcher.depth() == 2 }, 5*time.Second, time.Millisecond)
	close(g.open)
	var ok, bad int
	for range 3 {
		a := <-answers
		switch {
		case strings.HasPrefix(a, "200 000 "):
			ok++
		case a == "400 101 ":
			bad++
		default:
			t.Errorf("unexpected answer %q", a)
		}
	}
	assert.Equal(t, 2, ok)
	assert.Equal(t, 1, bad)

	code, r, _ := ts.post(t, "/predict/shufflenet_v2_imagenet", jsonType, fmt.Sprintf(`{"images": [%q, %q]}`, b64, broken))
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Equal(t, "shufflenet_v2_imagenet: image 1: broken JPEG image: invalid JPEG format: short Huffman data", r.Msg)
}
