package importer

import (
	"slices"
	"strconv"

	"github.com/pkg/errors"
	"google.golang.org/protobuf/proto"

	"github.com/gohub/gohub/hub/internal/moduledesc"
)

// PaddleHub 1.x modules describe themselves in module_desc.pb (moduledesc.ModuleDesc):
// attr is a tree of ModuleAttr values (module_info, default_signature, ...), sign2var maps
// each signature to its feeds and fetches.

// moduleDesc is what gohub reads from module_desc.pb.
type moduleDesc struct {
	Attr       map[string]any       // attr.map: module_info, default_signature, extra_info, ...
	Signatures map[string]signature // sign2var
}

type signature struct {
	Feeds, Fetches []feedFetch
}

type feedFetch struct{ VarName, Alias string }

// info returns a string entry of attr.map.module_info ("name", "version", ...).
func (d *moduleDesc) info(key string) string {
	mi, _ := d.Attr["module_info"].(map[string]any)
	s, _ := mi[key].(string)
	return s
}

func parseModuleDesc(b []byte) (*moduleDesc, error) {
	var pb moduledesc.ModuleDesc
	if err := proto.Unmarshal(b, &pb); err != nil {
		return nil, errors.Wrap(err, "parse module_desc.pb")
	}
	d := &moduleDesc{Signatures: map[string]signature{}}
	for name, v := range pb.GetSign2Var() {
		var s signature
		for _, f := range v.GetFeedDesc() {
			s.Feeds = append(s.Feeds, feedFetch{VarName: f.GetVarName(), Alias: f.GetAlias()})
		}
		for _, f := range v.GetFetchDesc() {
			s.Fetches = append(s.Fetches, feedFetch{VarName: f.GetVarName(), Alias: f.GetAlias()})
		}
		d.Signatures[name] = s
	}
	if m, ok := attrValue(pb.GetAttr()).(map[string]any); ok {
		d.Attr = m
	}
	return d, nil
}

// attrValue turns a ModuleAttr into a Go value: int64, float64, string, bool,
// map[string]any, or []any for lists and sets (stored as maps keyed "0", "1", ...).
func attrValue(a *moduledesc.ModuleAttr) any {
	switch a.GetType() {
	case moduledesc.DataType_INT:
		return a.GetI()
	case moduledesc.DataType_FLOAT:
		return a.GetF()
	case moduledesc.DataType_STRING:
		return a.GetS()
	case moduledesc.DataType_BOOLEAN:
		return a.GetB()
	case moduledesc.DataType_LIST:
		return listFromKV(a.GetList())
	case moduledesc.DataType_SET:
		return listFromKV(a.GetSet())
	case moduledesc.DataType_MAP:
		return mapFromKV(a.GetMap())
	case moduledesc.DataType_OBJECT:
		return mapFromKV(a.GetObject())
	}
	return nil
}

func mapFromKV(kv *moduledesc.KVData) map[string]any {
	m := map[string]any{}
	for k, v := range kv.GetData() {
		m[k] = attrValue(v)
	}
	return m
}

func listFromKV(kv *moduledesc.KVData) []any {
	var keys []int
	for k := range kv.GetData() {
		if n, err := strconv.Atoi(k); err == nil {
			keys = append(keys, n)
		}
	}
	slices.Sort(keys)
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = attrValue(kv.GetData()[strconv.Itoa(k)])
	}
	return out
}
