package lexical

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResultJSON(t *testing.T) {
	tests := []struct {
		name string
		r    Result
		want string
	}{
		{"tags", Result{Word: []string{"今天", "是"}, Tag: []string{"TIME", "v"}}, `{"word":["今天","是"],"tag":["TIME","v"]}`},
		{"no tags", Result{Word: []string{"今天"}}, `{"word":["今天"]}`},
		{"empty text", Result{Word: []string{}, Tag: []string{}}, `{"word":[],"tag":[]}`},
		{"zero", Result{}, `{"word":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.r)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got))
		})
	}
}
