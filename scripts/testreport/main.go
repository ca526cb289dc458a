// Command testreport reads `go test -json` on stdin and prints what plain `go test` would (each
// package's summary line, the output of failing tests, build errors), then every skipped test
// with its reason and the counts. A skip is a check that did not run: with -strict (make test
// sets it under CI=true) any skip not on the allow-list fails the run, so that a machine
// missing what a test needs shows up instead of passing quietly.
//
//	go test -json ./... | go run ./scripts/testreport [-strict] [-allow FILE]
//
// The allow-list (allowed_skips.txt beside this file) holds one "<package> <test>" per line,
// the test a path.Match pattern, each with a comment saying why it may skip. Exit status 1
// when a test or build failed, or (with -strict) a skip was not allowed.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

type skip struct{ pkg, test, reason string }

type allowRule struct{ pkg, pattern string }

func main() {
	strict := flag.Bool("strict", false, "fail on a skip that is not on the allow-list")
	allowFile := flag.String("allow", "scripts/testreport/allowed_skips.txt", "the allow-list of skips")
	flag.Parse()
	rules, err := readAllowList(*allowFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(1)
	}
	code := report(os.Stdin, os.Stdout, rules, *strict)
	os.Exit(code)
}

func readAllowList(name string) ([]allowRule, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rules []allowRule
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 2 {
			return nil, fmt.Errorf("%s:%d: want \"<package> <test pattern>\"", name, n)
		}
		rules = append(rules, allowRule{fields[0], fields[1]})
	}
	return rules, sc.Err()
}

func allowed(rules []allowRule, s skip) bool {
	for _, r := range rules {
		if ok, _ := path.Match(r.pattern, s.test); ok && r.pkg == s.pkg {
			return true
		}
	}
	return false
}

// report copies the readable part of the stream to w and returns the exit status.
func report(r io.Reader, w io.Writer, rules []allowRule, strict bool) int {
	buffered := map[string][]string{} // package + test -> its output so far
	var skips []skip
	passed, failed := 0, 0
	broken := false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			fmt.Fprintln(w, sc.Text()) // not an event: a build error printed as is
			continue
		}
		key := e.Package + " " + e.Test
		switch {
		case e.Action == "build-output" || e.Action == "build-fail":
			fmt.Fprint(w, e.Output)
			broken = broken || e.Action == "build-fail"
		case e.Test == "" && e.Action == "output":
			if e.Output != "PASS\n" { // plain go test leaves the binary's PASS out
				fmt.Fprint(w, e.Output) // ok / FAIL / no test files lines
			}
		case e.Test == "" && e.Action == "skip":
			// a package without test files, not a skipped test
		case e.Test == "" && e.Action == "fail":
			broken = true
		case e.Action == "output":
			buffered[key] = append(buffered[key], e.Output)
		case e.Action == "pass":
			passed++
			delete(buffered, key)
		case e.Action == "fail":
			failed++
			fmt.Fprint(w, strings.Join(buffered[key], ""))
			delete(buffered, key)
		case e.Action == "skip":
			skips = append(skips, skip{e.Package, e.Test, skipReason(buffered[key])})
			delete(buffered, key)
		}
	}
	sort.Slice(skips, func(i, j int) bool {
		return skips[i].pkg+" "+skips[i].test < skips[j].pkg+" "+skips[j].test
	})
	unexpected := 0
	if len(skips) > 0 {
		fmt.Fprintf(w, "\nskipped tests (%d):\n", len(skips))
	}
	for _, s := range skips {
		mark := "allowed"
		if !allowed(rules, s) {
			mark = "NOT ALLOWED"
			unexpected++
		}
		fmt.Fprintf(w, "  %-11s %s %s: %s\n", mark, s.pkg, s.test, s.reason)
	}
	fmt.Fprintf(w, "\ntests: %d passed, %d failed, %d skipped (%d not on the allow-list)\n",
		passed, failed, len(skips), unexpected)
	switch {
	case failed > 0 || broken:
		return 1
	case strict && unexpected > 0:
		fmt.Fprintln(w, "testreport: skips not on scripts/testreport/allowed_skips.txt fail the run under CI=true")
		return 1
	}
	return 0
}

// skipReason is what the test logged before it skipped, without the "--- SKIP" line.
func skipReason(lines []string) string {
	var parts []string
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "--- SKIP") || strings.HasPrefix(l, "=== ") {
			continue
		}
		parts = append(parts, l)
	}
	if len(parts) == 0 {
		return "(no reason given)"
	}
	return strings.Join(parts, " | ")
}
