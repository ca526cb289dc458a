package picture

import (
	"bytes"
	"encoding/binary"
)

// exifOrientation returns the EXIF orientation (1..8) of a JPEG file, or 1 when the file
// has none or it cannot be read: like cv2.imread, a damaged EXIF block never fails a
// picture whose pixels decode.
func exifOrientation(jpg []byte) int {
	for seg := range jpegSegments(jpg) {
		if o := orientationFromAPP1(seg); o != 0 {
			return o
		}
	}
	return 1
}

// jpegSegments yields the payload of each APP1 segment before the image data.
func jpegSegments(jpg []byte) func(yield func([]byte) bool) {
	return func(yield func([]byte) bool) {
		i := 2 // after SOI
		for i+4 <= len(jpg) {
			if jpg[i] != 0xFF {
				return
			}
			marker := jpg[i+1]
			switch {
			case marker == 0xFF: // fill byte before a marker
				i++
				continue
			case marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8): // no length field
				i += 2
				continue
			case marker == 0xDA || marker == 0xD9: // start of scan, end of image
				return
			}
			n := int(binary.BigEndian.Uint16(jpg[i+2:]))
			if n < 2 || i+2+n > len(jpg) {
				return
			}
			if marker == 0xE1 && !yield(jpg[i+4:i+2+n]) {
				return
			}
			i += 2 + n
		}
	}
}

// orientationFromAPP1 reads tag 0x0112 from IFD0 of an Exif APP1 payload; 0 when absent.
func orientationFromAPP1(p []byte) int {
	tiff, ok := bytes.CutPrefix(p, []byte("Exif\x00\x00"))
	if !ok || len(tiff) < 8 {
		return 0
	}
	var order binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 0
	}
	if order.Uint16(tiff[2:]) != 42 {
		return 0
	}
	ifd := int(order.Uint32(tiff[4:]))
	if ifd < 8 || ifd+2 > len(tiff) {
		return 0
	}
	count := int(order.Uint16(tiff[ifd:]))
	for k := range count {
		e := ifd + 2 + 12*k
		if e+12 > len(tiff) {
			return 0
		}
		const tagOrientation, typeShort = 0x0112, 3
		if order.Uint16(tiff[e:]) != tagOrientation || order.Uint16(tiff[e+2:]) != typeShort {
			continue
		}
		if o := int(order.Uint16(tiff[e+8:])); o >= 1 && o <= 8 {
			return o
		}
		return 0
	}
	return 0
}
