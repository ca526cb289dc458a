package picture

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exifAPP1 builds an APP1 segment whose IFD0 holds a dummy tag and then orientation o.
func exifAPP1(order binary.ByteOrder, o uint16) []byte {
	tiff := make([]byte, 8+2+2*12+4)
	if order == binary.LittleEndian {
		copy(tiff, "II")
	} else {
		copy(tiff, "MM")
	}
	order.PutUint16(tiff[2:], 42)
	order.PutUint32(tiff[4:], 8)
	order.PutUint16(tiff[8:], 2)
	e := tiff[10:]
	order.PutUint16(e[0:], 0x010F) // Make, ASCII: skipped
	order.PutUint16(e[2:], 2)
	e = tiff[22:]
	order.PutUint16(e[0:], 0x0112)
	order.PutUint16(e[2:], 3)
	order.PutUint32(e[4:], 1)
	order.PutUint16(e[8:], o)
	return segment(0xE1, append([]byte("Exif\x00\x00"), tiff...))
}

// segment frames a JPEG marker segment.
func segment(marker byte, payload []byte) []byte {
	s := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(s[2:], uint16(len(payload)+2))
	return append(s, payload...)
}

// withSegments inserts segments right after a JPEG's SOI marker.
func withSegments(jpg []byte, segs ...[]byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

func TestEXIFOrientation(t *testing.T) {
	const r, g, b, w = "R", "G", "B", "W"
	// Corners (top-left, top-right, bottom-left, bottom-right) of the upright picture of
	// quadrants(32, 16) stored with each orientation.
	cases := []struct {
		o             uint16
		width, height int
		corners       [4]string
	}{
		{1, 32, 16, [4]string{r, g, b, w}},
		{2, 32, 16, [4]string{g, r, w, b}},
		{3, 32, 16, [4]string{w, b, g, r}},
		{4, 32, 16, [4]string{b, w, r, g}},
		{5, 16, 32, [4]string{r, b, g, w}},
		{6, 16, 32, [4]string{b, r, w, g}},
		{7, 16, 32, [4]string{w, g, b, r}},
		{8, 16, 32, [4]string{g, w, r, b}},
	}
	jpg := encodeJPEG(t, quadrants(32, 16))
	for _, c := range cases {
		for _, order := range []binary.ByteOrder{binary.BigEndian, binary.LittleEndian} {
			t.Run(order.String()+"/"+string(rune('0'+c.o)), func(t *testing.T) {
				data := withSegments(jpg, segment(0xE0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")), exifAPP1(order, c.o))
				im, err := Decode("o.jpg", data)
				require.NoError(t, err)
				require.Equal(t, c.width, im.Width)
				require.Equal(t, c.height, im.Height)
				got := [4]string{
					colourName(im.at(1, 1)), colourName(im.at(im.Width-2, 1)),
					colourName(im.at(1, im.Height-2)), colourName(im.at(im.Width-2, im.Height-2)),
				}
				assert.Equal(t, c.corners, got)
			})
		}
	}
}

// colourName names the nearest of the quadrant colours.
func colourName(p [3]uint8) string {
	hi := func(v uint8) bool { return v > 127 }
	switch {
	case hi(p[0]) && hi(p[1]) && hi(p[2]):
		return "W"
	case hi(p[0]):
		return "R"
	case hi(p[1]):
		return "G"
	case hi(p[2]):
		return "B"
	}
	return "?"
}

func TestEXIFIgnoredWhenUnreadable(t *testing.T) {
	good := exifAPP1(binary.BigEndian, 6)
	cases := map[string][]byte{
		"orientation 9":    exifAPP1(binary.BigEndian, 9),
		"orientation 0":    exifAPP1(binary.BigEndian, 0),
		"not Exif":         segment(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x/>")),
		"bad byte order":   segment(0xE1, append([]byte("Exif\x00\x00XX"), good[16:]...)),
		"truncated IFD":    segment(0xE1, good[4:30]),
		"IFD offset past":  segment(0xE1, []byte("Exif\x00\x00MM\x00\x2a\x00\x00\xff\xff")),
		"too short":        segment(0xE1, []byte("Exif\x00\x00MM")),
		"wrong magic":      segment(0xE1, append([]byte("Exif\x00\x00MM\x00\x2b"), good[14:]...)),
		"bad length field": {0xFF, 0xE1, 0xFF, 0xFF, 'E', 'x'},
	}
	jpg := encodeJPEG(t, quadrants(32, 16))
	for name, seg := range cases {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, 1, exifOrientation(withSegments(jpg, seg)))
		})
	}
	// A fill byte before a marker is allowed; the orientation after it still counts.
	assert.Equal(t, 6, exifOrientation(withSegments(jpg, []byte{0xFF}, good)))
	// An Exif block after the image data is not the picture's.
	assert.Equal(t, 1, exifOrientation(append(append([]byte{}, jpg...), good...)))
}

func TestOrientUnknownValueIsIdentity(t *testing.T) {
	im := lcgImage(3, 2, 1)
	assert.Same(t, im, im.Orient(1))
	assert.Same(t, im, im.Orient(0))
	assert.Same(t, im, im.Orient(9))
}
