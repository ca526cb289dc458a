package moduledesc

import (
	"slices"
	"sort"

	"github.com/pkg/errors"
	"google.golang.org/protobuf/proto"
)

// FeatureMapAlias is the fetch alias PaddleHub's image modules give their feature map.
const FeatureMapAlias = "feature_map"

// FeatureMap returns the variable PaddleHub 1.x's module.context() hands out as
// outputs["feature_map"], from a module_desc.pb: the fetch aliased feature_map. context()
// without a signature name merges every signature's fetches into one dict keyed by alias,
// so the alias, not the signature's name, is what counts. It is "" when no signature has
// that alias.
func FeatureMap(b []byte) (string, error) {
	var desc ModuleDesc
	if err := proto.Unmarshal(b, &desc); err != nil {
		return "", errors.Wrap(err, "parse module_desc.pb")
	}
	bySignature := map[string]string{}
	var names []string
	for sign, v := range desc.GetSign2Var() {
		for _, f := range v.GetFetchDesc() {
			if f.GetAlias() == FeatureMapAlias {
				bySignature[sign] = f.GetVarName()
				if !slices.Contains(names, f.GetVarName()) {
					names = append(names, f.GetVarName())
				}
			}
		}
	}
	switch len(names) {
	case 0:
		return "", nil
	case 1:
		return names[0], nil
	}
	// PaddleHub's pick would depend on the order it walks the map in.
	return "", &AmbiguousFeatureMapError{Signatures: bySignature}
}

// AmbiguousFeatureMapError: signatures of one module_desc.pb alias different variables
// feature_map.
type AmbiguousFeatureMapError struct {
	Signatures map[string]string // signature -> the variable it aliases feature_map
}

func (e *AmbiguousFeatureMapError) Error() string {
	signs := make([]string, 0, len(e.Signatures))
	for s := range e.Signatures {
		signs = append(signs, s)
	}
	sort.Strings(signs)
	msg := "module_desc.pb names more than one feature map:"
	for _, s := range signs {
		msg += " " + e.Signatures[s] + " (signature " + s + ")"
	}
	return msg
}
