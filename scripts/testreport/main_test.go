package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A stream as `go test -json` writes it: one package with a pass, a failure, two skips.
const stream = `{"Action":"run","Package":"p","Test":"TestOK"}
{"Action":"output","Package":"p","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"pass","Package":"p","Test":"TestOK"}
{"Action":"output","Package":"p","Test":"TestBad","Output":"    bad_test.go:9: want 1, got 2\n"}
{"Action":"output","Package":"p","Test":"TestBad","Output":"--- FAIL: TestBad (0.00s)\n"}
{"Action":"fail","Package":"p","Test":"TestBad"}
{"Action":"output","Package":"p","Test":"TestGPU","Output":"    gpu_test.go:5: no GPU here\n"}
{"Action":"output","Package":"p","Test":"TestGPU","Output":"--- SKIP: TestGPU (0.00s)\n"}
{"Action":"skip","Package":"p","Test":"TestGPU"}
{"Action":"output","Package":"p","Test":"TestData/big","Output":"    data_test.go:3: model absent\n"}
{"Action":"skip","Package":"p","Test":"TestData/big"}
{"Action":"output","Package":"p","Output":"FAIL\tp\t0.01s\n"}
{"Action":"fail","Package":"p"}
`

func TestReport(t *testing.T) {
	rules := []allowRule{{"p", "TestGPU"}}
	var out bytes.Buffer
	assert.Equal(t, 1, report(strings.NewReader(stream), &out, rules, false), "a failure fails")
	got := out.String()
	assert.Contains(t, got, "bad_test.go:9: want 1, got 2", "a failing test's output is shown")
	assert.NotContains(t, got, "=== RUN   TestOK", "a passing test's output is not")
	assert.Contains(t, got, "FAIL\tp\t0.01s")
	assert.Contains(t, got, "allowed     p TestGPU: gpu_test.go:5: no GPU here")
	assert.Contains(t, got, "NOT ALLOWED p TestData/big: data_test.go:3: model absent")
	assert.Contains(t, got, "tests: 1 passed, 1 failed, 2 skipped (1 not on the allow-list)")
}

func TestStrictFailsOnUnexpectedSkips(t *testing.T) {
	passing := `{"Action":"pass","Package":"p","Test":"TestOK"}
{"Action":"output","Package":"p","Test":"TestGPU","Output":"    no GPU\n"}
{"Action":"skip","Package":"p","Test":"TestGPU"}
`
	var out bytes.Buffer
	assert.Equal(t, 0, report(strings.NewReader(passing), &out, nil, false), "a skip alone passes")
	assert.Equal(t, 1, report(strings.NewReader(passing), &out, nil, true), "unless strict")
	assert.Equal(t, 0, report(strings.NewReader(passing), &out, []allowRule{{"p", "Test*"}}, true),
		"or allowed by a pattern")
}
