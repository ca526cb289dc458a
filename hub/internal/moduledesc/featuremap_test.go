package moduledesc

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

func fetches(pairs ...string) *ModuleVar {
	v := &ModuleVar{}
	for i := 0; i < len(pairs); i += 2 {
		v.FetchDesc = append(v.FetchDesc, &FetchDesc{VarName: pairs[i], Alias: pairs[i+1]})
	}
	return v
}

func marshal(t *testing.T, sign2var map[string]*ModuleVar) []byte {
	t.Helper()
	b, err := proto.Marshal(&ModuleDesc{Sign2Var: sign2var})
	require.NoError(t, err)
	return b
}

// The alias decides, whatever the signature is called; none is no answer, not an error.
func TestFeatureMap(t *testing.T) {
	for _, tc := range []struct {
		sign2var map[string]*ModuleVar
		want     string
	}{
		{map[string]*ModuleVar{"classification": fetches("fc", "classification"), "feature_map": fetches("pool", "feature_map")}, "pool"},
		{map[string]*ModuleVar{"features": fetches("pool", "feature_map"), "both": fetches("fc", "classification", "pool", "feature_map")}, "pool"},
		{map[string]*ModuleVar{"classification": fetches("fc", "classification"), "feature_map": fetches("pool", "")}, ""},
		{nil, ""},
	} {
		got, err := FeatureMap(marshal(t, tc.sign2var))
		require.NoError(t, err)
		require.Equal(t, tc.want, got)
	}
}

func TestFeatureMapAmbiguous(t *testing.T) {
	_, err := FeatureMap(marshal(t, map[string]*ModuleVar{"a": fetches("pool", "feature_map"), "b": fetches("fc", "feature_map")}))
	require.EqualError(t, err, "module_desc.pb names more than one feature map: pool (signature a) fc (signature b)")
}

func TestFeatureMapGarbage(t *testing.T) {
	_, err := FeatureMap([]byte{0x12, 0xff})
	require.ErrorContains(t, err, "parse module_desc.pb")
}
