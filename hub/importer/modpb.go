package importer

import (
	"encoding/binary"
	"math"
	"sort"
	"strconv"

	"github.com/pkg/errors"
)

// PaddleHub 1.x modules describe themselves in module_desc.pb (module_desc.proto, proto3):
//
//	ModuleDesc { map<string,ModuleVar> sign2var = 2; ModuleAttr attr = 3; }
//	ModuleVar  { repeated FeedFetch fetch_desc = 1; repeated FeedFetch feed_desc = 2; }
//	FeedFetch  { string var_name = 1; string alias = 2; }
//	ModuleAttr { DataType type = 1; int64 i = 2; double f = 3; bool b = 4; string s = 5;
//	             KVData map = 6; KVData list = 7; KVData set = 8; KVData object = 9; ... }
//	KVData     { map<string,DataType> key_type = 1; map<string,ModuleAttr> data = 2; }
//
// The few fields gohub needs are read with a small wire-format decoder rather than a
// protobuf dependency.

// moduleDesc is what gohub reads from module_desc.pb.
type moduleDesc struct {
	Attr       map[string]any       // attr.map: module_info, default_signature, extra_info, ...
	Signatures map[string]signature // sign2var
}

type signature struct {
	Feeds, Fetches []feedFetch
}

type feedFetch struct{ VarName, Alias string }

// ModuleAttr.type values (module_desc.proto DataType).
const (
	pbTypeInt    = 1
	pbTypeFloat  = 2
	pbTypeString = 3
	pbTypeBool   = 4
	pbTypeList   = 5
	pbTypeMap    = 6
	pbTypeSet    = 7
	pbTypeObject = 8
)

// info returns a string entry of attr.map.module_info ("name", "version", ...).
func (d *moduleDesc) info(key string) string {
	mi, _ := d.Attr["module_info"].(map[string]any)
	s, _ := mi[key].(string)
	return s
}

func parseModuleDesc(b []byte) (*moduleDesc, error) {
	d := &moduleDesc{Signatures: map[string]signature{}}
	err := pbEach(b, func(num int, v pbValue) error {
		switch num {
		case 2:
			key, val, err := pbMapEntry(v.bytes)
			if err != nil {
				return err
			}
			sig, err := parseSignature(val)
			d.Signatures[key] = sig
			return err
		case 3:
			attr, err := parseModuleAttr(v.bytes)
			if m, ok := attr.(map[string]any); ok {
				d.Attr = m
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, errors.WithMessage(err, "parse module_desc.pb")
	}
	return d, nil
}

func parseSignature(b []byte) (signature, error) {
	var s signature
	err := pbEach(b, func(num int, v pbValue) error {
		var ff feedFetch
		err := pbEach(v.bytes, func(n int, f pbValue) error {
			switch n {
			case 1:
				ff.VarName = string(f.bytes)
			case 2:
				ff.Alias = string(f.bytes)
			}
			return nil
		})
		switch num {
		case 1:
			s.Fetches = append(s.Fetches, ff)
		case 2:
			s.Feeds = append(s.Feeds, ff)
		}
		return err
	})
	return s, err
}

// parseModuleAttr decodes a ModuleAttr into a Go value: int64, float64, string, bool,
// map[string]any, or []any for lists and sets (stored as maps keyed "0", "1", ...).
func parseModuleAttr(b []byte) (any, error) {
	var (
		typ uint64
		i   int64
		f   float64
		bo  bool
		s   string
		kv  map[string]any
	)
	err := pbEach(b, func(num int, v pbValue) error {
		switch num {
		case 1:
			typ = v.varint
		case 2:
			i = int64(v.varint)
		case 3:
			f = math.Float64frombits(v.varint)
		case 4:
			bo = v.varint != 0
		case 5:
			s = string(v.bytes)
		case 6, 7, 8, 9:
			var err error
			kv, err = parseKVData(v.bytes)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch typ {
	case pbTypeInt:
		return i, nil
	case pbTypeFloat:
		return f, nil
	case pbTypeString:
		return s, nil
	case pbTypeBool:
		return bo, nil
	case pbTypeList, pbTypeSet:
		return listFromMap(kv), nil
	case pbTypeMap, pbTypeObject:
		return kv, nil
	}
	return nil, nil
}

func parseKVData(b []byte) (map[string]any, error) {
	m := map[string]any{}
	err := pbEach(b, func(num int, v pbValue) error {
		if num != 2 {
			return nil
		}
		key, val, err := pbMapEntry(v.bytes)
		if err != nil {
			return err
		}
		m[key], err = parseModuleAttr(val)
		return err
	})
	return m, err
}

func listFromMap(m map[string]any) []any {
	keys := make([]int, 0, len(m))
	for k := range m {
		if n, err := strconv.Atoi(k); err == nil {
			keys = append(keys, n)
		}
	}
	sort.Ints(keys)
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = m[strconv.Itoa(k)]
	}
	return out
}

// pbValue is one decoded field: varint (also fixed64/fixed32 bits) or bytes.
type pbValue struct {
	varint uint64
	bytes  []byte
}

// pbEach calls fn for every field of a message, in order.
func pbEach(b []byte, fn func(num int, v pbValue) error) error {
	for len(b) > 0 {
		tag, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("truncated protobuf field tag")
		}
		b = b[n:]
		var v pbValue
		switch tag & 7 {
		case 0:
			v.varint, n = binary.Uvarint(b)
			if n <= 0 {
				return errors.New("truncated protobuf varint")
			}
			b = b[n:]
		case 1:
			if len(b) < 8 {
				return errors.New("truncated protobuf fixed64")
			}
			v.varint, b = binary.LittleEndian.Uint64(b), b[8:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return errors.New("truncated protobuf bytes")
			}
			v.bytes, b = b[n:n+int(l)], b[n+int(l):]
		case 5:
			if len(b) < 4 {
				return errors.New("truncated protobuf fixed32")
			}
			v.varint, b = uint64(binary.LittleEndian.Uint32(b)), b[4:]
		default:
			return errors.Errorf("unsupported protobuf wire type %d", tag&7)
		}
		if err := fn(int(tag>>3), v); err != nil {
			return err
		}
	}
	return nil
}

// pbMapEntry splits a map entry message into its string key and raw value bytes.
func pbMapEntry(b []byte) (key string, val []byte, err error) {
	err = pbEach(b, func(num int, v pbValue) error {
		switch num {
		case 1:
			key = string(v.bytes)
		case 2:
			val = v.bytes
		}
		return nil
	})
	return key, val, err
}
