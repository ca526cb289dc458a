package vdl

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// The subset of VisualDL's record.proto (package visualdl) that this package writes and
// reads:
//
//	message Record {
//	  message MetaData { string display_name = 1; }
//	  message Value {
//	    int64 id = 1;         // the step
//	    string tag = 2;
//	    int64 timestamp = 3;  // wall time, milliseconds since the Unix epoch
//	    oneof one_value {
//	      float value = 4;    // a scalar
//	      ...                 // image = 5, audio = 6, ... (skipped when read)
//	      MetaData meta_data = 10;
//	      ...
//	    }
//	  }
//	  repeated Value values = 1;
//	}
//
// Fields are written in field-number order and zero-valued plain fields are left out, as
// Python's protobuf serialises them; a oneof member is always written.
const (
	fieldRecordValues = 1

	fieldValueID        = 1
	fieldValueTag       = 2
	fieldValueTimestamp = 3
	fieldValueScalar    = 4
	fieldValueMetaData  = 10

	fieldMetaDisplayName = 1
)

// metaTag is the tag of the meta-data record VisualDL's LogWriter writes first in every
// file; VisualDL's file check (is_VDLRecord_file with check=True) looks for it.
const metaTag = "meta_data_tag"

// appendValueHeader appends Value's id, tag and timestamp.
func appendValueHeader(b []byte, step int64, tag string, wallMillis int64) []byte {
	if step != 0 {
		b = protowire.AppendTag(b, fieldValueID, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(step))
	}
	if tag != "" {
		b = protowire.AppendTag(b, fieldValueTag, protowire.BytesType)
		b = protowire.AppendString(b, tag)
	}
	if wallMillis != 0 {
		b = protowire.AppendTag(b, fieldValueTimestamp, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(wallMillis))
	}
	return b
}

// wrapRecord makes a Record of one Value.
func wrapRecord(value []byte) []byte {
	b := protowire.AppendTag(nil, fieldRecordValues, protowire.BytesType)
	return protowire.AppendBytes(b, value)
}

// scalarRecord encodes Record{values: [Value{id: step, tag, timestamp, value}]}.
func scalarRecord(tag string, step int64, value float32, wallMillis int64) []byte {
	v := appendValueHeader(nil, step, tag, wallMillis)
	v = protowire.AppendTag(v, fieldValueScalar, protowire.Fixed32Type)
	v = protowire.AppendFixed32(v, math.Float32bits(value))
	return wrapRecord(v)
}

// metaRecord encodes the meta-data record LogWriter starts a file with (step 0, empty
// display name).
func metaRecord(displayName string, wallMillis int64) []byte {
	v := appendValueHeader(nil, 0, metaTag, wallMillis)
	var m []byte
	if displayName != "" {
		m = protowire.AppendTag(m, fieldMetaDisplayName, protowire.BytesType)
		m = protowire.AppendString(m, displayName)
	}
	v = protowire.AppendTag(v, fieldValueMetaData, protowire.BytesType)
	v = protowire.AppendBytes(v, m)
	return wrapRecord(v)
}

// frame is VisualDL's on-disk framing (RecordWriter.write, the one LogWriter uses): the
// length as a little-endian uint64, then the serialised Record. No checksums.
func frame(record []byte) []byte {
	b := make([]byte, 8, 8+len(record))
	binary.LittleEndian.PutUint64(b, uint64(len(record)))
	return append(b, record...)
}

// Kind says what a record's first value holds.
type Kind int

const (
	KindOther  Kind = iota // an image, histogram, ...: kept but not interpreted
	KindScalar             // a scalar (Value.value)
	KindMeta               // the meta-data record
)

// Record is one decoded record: the first of its values (VisualDL's reader looks at no
// other).
type Record struct {
	Kind  Kind
	Tag   string
	Step  int64
	Wall  time.Time // millisecond precision
	Value float32   // KindScalar only
}

var errMalformed = errors.New("malformed record")

// decodeRecord parses a serialised Record.
func decodeRecord(b []byte) (Record, error) {
	var first []byte
	found := false
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return Record{}, errMalformed
		}
		b = b[n:]
		if num == fieldRecordValues && typ == protowire.BytesType && !found {
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return Record{}, errMalformed
			}
			first, found = v, true
			b = b[n:]
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return Record{}, errMalformed
		}
		b = b[n:]
	}
	if !found {
		return Record{}, fmt.Errorf("%w: no value", errMalformed)
	}
	return decodeValue(first)
}

func decodeValue(b []byte) (Record, error) {
	r := Record{Kind: KindOther}
	var millis int64
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return Record{}, errMalformed
		}
		b = b[n:]
		switch {
		case num == fieldValueID && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return Record{}, errMalformed
			}
			r.Step, b = int64(v), b[n:]
		case num == fieldValueTag && typ == protowire.BytesType:
			v, n := protowire.ConsumeString(b)
			if n < 0 {
				return Record{}, errMalformed
			}
			r.Tag, b = v, b[n:]
		case num == fieldValueTimestamp && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return Record{}, errMalformed
			}
			millis, b = int64(v), b[n:]
		case num == fieldValueScalar && typ == protowire.Fixed32Type:
			v, n := protowire.ConsumeFixed32(b)
			if n < 0 {
				return Record{}, errMalformed
			}
			r.Kind, r.Value, b = KindScalar, math.Float32frombits(v), b[n:]
		default:
			if num == fieldValueMetaData && typ == protowire.BytesType {
				r.Kind = KindMeta
			}
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return Record{}, errMalformed
			}
			b = b[n:]
		}
	}
	r.Wall = time.UnixMilli(millis)
	return r, nil
}

// splitFrames cuts a file's bytes into serialised records. It stops at the first frame that
// is cut short or does not parse (the tail of a writer killed mid-write) and returns the
// records before it and the length of the valid prefix.
func splitFrames(data []byte) (records [][]byte, valid int) {
	for off := 0; ; {
		if len(data)-off < 8 {
			return records, off
		}
		n := binary.LittleEndian.Uint64(data[off:])
		if n > uint64(len(data)-off-8) {
			return records, off
		}
		rec := data[off+8 : off+8+int(n)]
		if _, err := decodeRecord(rec); err != nil {
			return records, off
		}
		records = append(records, rec)
		off += 8 + int(n)
	}
}
