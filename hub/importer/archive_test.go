package importer

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gohub/gohub/hub/internal/fixture"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExtractArchiveFormats(t *testing.T) {
	dir := t.TempDir()
	content := []fixture.Member{{Name: "m/"}, {Name: "m/a.txt", Body: "a"}, {Name: "m/sub/b.txt", Body: "b"}, {Name: "m/link", Link: "sub/b.txt"}}
	for _, archive := range []string{
		fixture.WriteTarGz(t, filepath.Join(dir, "x.tar.gz"), content),
		fixture.WriteZip(t, filepath.Join(dir, "x.zip"), content[1:]),
		// The format comes from the bytes, not the name.
		fixture.WriteTarGz(t, filepath.Join(dir, "x.whl"), content),
	} {
		dst := filepath.Join(t.TempDir(), "out")
		require.NoError(t, Extract(archive, filepath.Base(archive), dst), archive)
		assert.Equal(t, map[string]string{"m/a.txt": "a", "m/sub/b.txt": "b", "m/link": "b"}, fixture.Tree(t, dst), archive)
	}
}

func TestExtractArchiveRefusesEscapes(t *testing.T) {
	for name, entries := range map[string][]fixture.Member{
		"parent":             {{Name: "ok.txt", Body: "x"}, {Name: "../evil.txt", Body: "x"}},
		"nested parent":      {{Name: "m/../../evil.txt", Body: "x"}},
		"absolute":           {{Name: "/tmp/evil.txt", Body: "x"}},
		"symlink out":        {{Name: "m/link", Link: "../../etc/passwd"}},
		"symlink absolute":   {{Name: "m/link", Link: "/etc/passwd"}},
		"hard link":          {{Name: "m/a", Body: "x"}, {Name: "m/h", Link: "m/a", Hard: true}},
		"file through link":  {{Name: "m/d", Link: "."}, {Name: "m/d/link2", Link: "../../x"}},
		"symlink root climb": {{Name: "link", Link: ".."}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			archive := fixture.WriteTarGz(t, filepath.Join(dir, "evil.tar.gz"), entries)
			dst := filepath.Join(dir, "out")
			err := Extract(archive, filepath.Base(archive), dst)
			var unsafe *UnsafeArchiveError
			require.ErrorAs(t, err, &unsafe)
			assert.Contains(t, err.Error(), "nothing was installed")
			assert.NoFileExists(t, filepath.Join(dir, "evil.txt"))
		})
	}
	t.Run("zip parent", func(t *testing.T) {
		dir := t.TempDir()
		archive := fixture.WriteZip(t, filepath.Join(dir, "evil.zip"), []fixture.Member{{Name: "../evil.txt", Body: "x"}})
		var unsafe *UnsafeArchiveError
		require.ErrorAs(t, Extract(archive, filepath.Base(archive), filepath.Join(dir, "out")), &unsafe)
		assert.NoFileExists(t, filepath.Join(dir, "evil.txt"))
	})
}

func TestExtractArchiveRejectsGarbage(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "junk.tar.gz")
	require.NoError(t, os.WriteFile(path, []byte("this is not an archive"), 0o644))
	var ferr *FormatError
	require.ErrorAs(t, Extract(path, filepath.Base(path), filepath.Join(dir, "out")), &ferr)

	// A truncated gzip stream is a format error too, not a panic or a silent success.
	good := fixture.WriteTarGz(t, filepath.Join(dir, "good.tar.gz"), fixture.Entries(map[string]string{"a": string(make([]byte, 100000))}))
	data, err := os.ReadFile(good)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, data[:len(data)/2], 0o644))
	require.ErrorAs(t, Extract(path, filepath.Base(path), filepath.Join(dir, "out2")), &ferr)
}
