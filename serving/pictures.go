package serving

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/readers/picture"
)

// pictureSource gives an image request's pictures, saved for the module to read, once the
// request's other arguments have been checked: from the JSON body's "images"
// (module.images) or from a form (answerImage, through formPictures).
type pictureSource func(args map[string]json.RawMessage) (*request, error)

// upload is one picture as the client sent it.
type upload struct {
	name string // what answers and errors call it: "image 0", or the form file's name
	data []byte
}

// images reads the JSON body's "images" (base64 of image files, with or without a data:
// prefix) and saves them.
func (m *module) images(a map[string]json.RawMessage) (*request, error) {
	raw, ok := a["images"]
	if !ok {
		return nil, m.inputErrorf(`missing field "images": want {"images": ["<base64 of an image file>", ...]}`)
	}
	var enc []string
	if err := json.Unmarshal(raw, &enc); err != nil {
		return nil, m.inputErrorf(`"images": want a list of base64 strings`)
	}
	if len(enc) == 0 {
		return nil, m.inputErrorf(`"images" is empty`)
	}
	ups := make([]upload, len(enc))
	for i, s := range enc {
		if _, rest, ok := strings.Cut(s, ";base64,"); ok && strings.HasPrefix(s, "data:") {
			s = rest
		}
		data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
		if err != nil {
			return nil, m.inputErrorf("image %d is not base64: %v", i, err)
		}
		ups[i] = upload{name: fmt.Sprintf("image %d", i), data: data}
	}
	return m.save(ups)
}

// save writes each picture to a file under the module's temporary directory, for the
// module to read. Only its first bytes are looked at here, to refuse what is no picture
// at once: decoding is the module's, so that each picture is decoded once; one that does
// not decode fails there (request.badPicture).
func (m *module) save(ups []upload) (*request, error) {
	r := &request{}
	for _, u := range ups {
		ext := picture.FormatOf(u.data)
		if ext == "" {
			r.cleanup()
			return nil, m.inputErrorf("%s: not an image gohub reads (JPEG, PNG or BMP)", u.name)
		}
		if ext == "jpeg" {
			ext = "jpg"
		}
		f, err := os.CreateTemp(m.tmpDir, "image-*."+ext)
		if err == nil {
			_, err = f.Write(u.data)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			r.files = append(r.files, f.Name())
			r.names = append(r.names, u.name)
		}
		if err != nil {
			r.cleanup()
			return nil, errors.Wrap(err, "save the image")
		}
	}
	r.inputs = r.files
	return r, nil
}

// badPicture is the module's failure to read one of the request's pictures, told with
// the picture's name for the client rather than the temporary file's.
func (r *request) badPicture(m *module, e *picture.FileError) error {
	name := "a picture"
	for i, f := range r.files {
		if f == e.Path {
			name = r.names[i]
		}
	}
	return m.inputErrorf("%s: %s", name, strings.TrimPrefix(e.Err.Error(), e.Path+": "))
}
