package settings

import (
	"strings"
)

//go:generate go test -run TestREADMETable -update .

// Help lists the variables for `gohub --help`: name, meaning and default, wrapped.
func Help() string {
	width := 0
	for _, v := range All {
		width = max(width, len(v.Name)+2)
	}
	var b strings.Builder
	for _, v := range All {
		text := v.Usage
		if v.Default != "" {
			text += " (default " + v.Default + ")"
		}
		lines := wrap(text, helpWidth-3-width)
		for i, l := range lines {
			name := ""
			if i == 0 {
				name = v.Name
			}
			b.WriteString("   " + pad(name, width) + l + "\n")
		}
	}
	return b.String()
}

// Markdown is the README's table of the variables.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| environment variable | default | meaning |\n| --- | --- | --- |\n")
	for _, v := range All {
		def := v.Default
		if def != "" && !strings.Contains(def, " ") {
			def = "`" + def + "`"
		}
		b.WriteString("| `" + v.Name + "` | " + def + " | " + v.Usage + " |\n")
	}
	return b.String()
}

// helpWidth is the width help lines keep within.
const helpWidth = 92

func pad(s string, n int) string { return s + strings.Repeat(" ", max(1, n-len(s))) }

// wrap breaks text into lines of at most width characters at spaces.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}
