package serving

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
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
// decoded once on its way through the server (by the module), not also when the request
// is read. The bytes the request allocates tell: one decoding of the picture, the rest
// small beside it; two would double them.
func TestServeDecodesEachPictureOnce(t *testing.T) {
	h := installed(t, "shufflenet_v2_imagenet")
	ts := start(t, Config{Modules: []ModuleConfig{{Name: "shufflenet_v2_imagenet"}}, Workers: 1, MaxBatchSize: 1, MaxBodyBytes: 1 << 30}, h, nil)
	data := bigFlatPNG(t)
	var im *picture.Image
	once := allocated(func() {
		var err error
		im, err = picture.Decode("flat.png", data)
		require.NoError(t, err)
	})
	require.Equal(t, 3000, im.Width)

	jsonBody := fmt.Sprintf(`{"images": [%q]}`, base64.StdEncoding.EncodeToString(data))
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, err := mw.CreateFormFile("image", "flat.png")
	require.NoError(t, err)
	_, _ = fw.Write(data)
	require.NoError(t, mw.Close())
	for _, route := range []struct{ path, contentType, body string }{
		{"/predict/shufflenet_v2_imagenet", jsonType, jsonBody},
		{"/predict/image/shufflenet_v2_imagenet", mw.FormDataContentType(), form.String()},
	} {
		ts.post(t, route.path, route.contentType, route.body) // warm: the predictor's buffers at this shape
		var code int
		var raw string
		during := allocated(func() { code, _, raw = ts.post(t, route.path, route.contentType, route.body) })
		require.Equal(t, http.StatusOK, code, raw)
		t.Logf("%s: %d bytes allocated; one decoding %d", route.path, during, once)
		assert.Greater(t, during, once*9/10, "%s: the measure sees the decoding", route.path)
		assert.Less(t, during, once*3/2, "%s: the picture is decoded once", route.path)
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
