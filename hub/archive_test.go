package hub

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExtractArchiveFormats(t *testing.T) {
	dir := t.TempDir()
	content := []entry{{name: "m/"}, {name: "m/a.txt", body: "a"}, {name: "m/sub/b.txt", body: "b"}, {name: "m/link", link: "sub/b.txt"}}
	for _, archive := range []string{
		writeTarGz(t, filepath.Join(dir, "x.tar.gz"), content),
		writeZip(t, filepath.Join(dir, "x.zip"), content[1:]),
		// The format comes from the bytes, not the name.
		writeTarGz(t, filepath.Join(dir, "x.whl"), content),
	} {
		dst := filepath.Join(t.TempDir(), "out")
		require.NoError(t, extractArchive(archive, filepath.Base(archive), dst), archive)
		assert.Equal(t, map[string]string{"m/a.txt": "a", "m/sub/b.txt": "b", "m/link": "b"}, tree(t, dst), archive)
	}
}

func TestExtractArchiveRefusesEscapes(t *testing.T) {
	for name, entries := range map[string][]entry{
		"parent":             {{name: "ok.txt", body: "x"}, {name: "../evil.txt", body: "x"}},
		"nested parent":      {{name: "m/../../evil.txt", body: "x"}},
		"absolute":           {{name: "/tmp/evil.txt", body: "x"}},
		"symlink out":        {{name: "m/link", link: "../../etc/passwd"}},
		"symlink absolute":   {{name: "m/link", link: "/etc/passwd"}},
		"hard link":          {{name: "m/a", body: "x"}, {name: "m/h", link: "m/a", hard: true}},
		"file through link":  {{name: "m/d", link: "."}, {name: "m/d/link2", link: "../../x"}},
		"symlink root climb": {{name: "link", link: ".."}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			archive := writeTarGz(t, filepath.Join(dir, "evil.tar.gz"), entries)
			dst := filepath.Join(dir, "out")
			err := extractArchive(archive, filepath.Base(archive), dst)
			var unsafe *UnsafeArchiveError
			require.ErrorAs(t, err, &unsafe)
			assert.Contains(t, err.Error(), "nothing was installed")
			assert.NoFileExists(t, filepath.Join(dir, "evil.txt"))
		})
	}
	t.Run("zip parent", func(t *testing.T) {
		dir := t.TempDir()
		archive := writeZip(t, filepath.Join(dir, "evil.zip"), []entry{{name: "../evil.txt", body: "x"}})
		var unsafe *UnsafeArchiveError
		require.ErrorAs(t, extractArchive(archive, filepath.Base(archive), filepath.Join(dir, "out")), &unsafe)
		assert.NoFileExists(t, filepath.Join(dir, "evil.txt"))
	})
}

func TestExtractArchiveRejectsGarbage(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "junk.tar.gz")
	require.NoError(t, os.WriteFile(path, []byte("this is not an archive"), 0o644))
	var ferr *FormatError
	require.ErrorAs(t, extractArchive(path, filepath.Base(path), filepath.Join(dir, "out")), &ferr)

	// A truncated gzip stream is a format error too, not a panic or a silent success.
	good := writeTarGz(t, filepath.Join(dir, "good.tar.gz"), files(map[string]string{"a": string(make([]byte, 100000))}))
	data, err := os.ReadFile(good)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, data[:len(data)/2], 0o644))
	require.ErrorAs(t, extractArchive(path, filepath.Base(path), filepath.Join(dir, "out2")), &ferr)
}
