package hub

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Member is one member of a test archive.
type Member struct {
	Name, Body string
	Link       string // symlink target, or hard link target with hard set
	Hard       bool
}

// Entries turns a name->content map into archive entries in a stable order.
func Entries(m map[string]string) []Member {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]Member, len(names))
	for i, n := range names {
		out[i] = Member{Name: n, Body: m[n]}
	}
	return out
}

func WriteTarGz(t *testing.T, path string, entries []Member) string {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := &tar.Header{Name: e.Name, Mode: 0o644, Size: int64(len(e.Body)), Typeflag: tar.TypeReg}
		switch {
		case e.Hard:
			h.Typeflag, h.Linkname, h.Size = tar.TypeLink, e.Link, 0
		case e.Link != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.Link, 0
		case strings.HasSuffix(e.Name, "/"):
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		}
		require.NoError(t, tw.WriteHeader(h))
		if h.Size > 0 {
			_, err := tw.Write([]byte(e.Body))
			require.NoError(t, err)
		}
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	return path
}

func WriteZip(t *testing.T, path string, entries []Member) string {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	zw := zip.NewWriter(f)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.Name, Method: zip.Deflate}
		body := e.Body
		if e.Link != "" {
			h.SetMode(os.ModeSymlink | 0o777)
			body = e.Link
		} else {
			h.SetMode(0o644)
		}
		w, err := zw.CreateHeader(h)
		require.NoError(t, err)
		_, err = w.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return path
}

// Tree lists the files under dir (relative, sorted) with their contents; empty when dir
// does not exist.
func Tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		data, _ := os.ReadFile(path)
		out[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	return out
}

// LACDicts are small but well-formed LAC dictionaries.
var LACDicts = map[string]string{
	"word.dic": "0\t今\n1\t天\n2\tOOV\n",
	"q2b.dic":  "Ａ\tA\n",
	"tag.dic":  "0\tn-B\n1\tn-I\n2\tO\n",
}

// LACPackageFiles is a miniature LAC sdist (prefix "LAC-2.1.2/") or wheel (prefix "").
func LACPackageFiles(prefix string, wheel bool) map[string]string {
	m := map[string]string{}
	if wheel {
		m["LAC-2.1.2.dist-info/METADATA"] = "Metadata-Version: 2.1\nName: LAC\nVersion: 2.1.2\nSummary: A chinese lexical analysis tool by Baidu NLP.\nAuthor: Baidu NLP\nLicense: Apache 2.0\n\nbody\n"
	} else {
		m[prefix+"PKG-INFO"] = "Metadata-Version: 2.1\nName: LAC\nVersion: 2.1.2\nSummary: A chinese lexical analysis tool by Baidu NLP.\nAuthor: Baidu NLP\nLicense: Apache 2.0\nDescription: long\n        text\n"
		m[prefix+"setup.py"] = "print('hi')\n"
	}
	m[prefix+"LAC/__init__.py"] = ""
	for _, model := range []string{"lac_model", "seg_model", "rank_model"} {
		m[prefix+"LAC/"+model+"/model/__model__"] = "not a real program " + model
		m[prefix+"LAC/"+model+"/model/fc_0.w_0"] = "weights"
		for name, body := range LACDicts {
			m[prefix+"LAC/"+model+"/conf/"+name] = body
		}
		m[prefix+"LAC/"+model+"/conf/args.ini"] = "[DEFAULT]\n"
	}
	return m
}

// ModuleFiles is a small gohub module under prefix (e.g. "demo/").
func ModuleFiles(prefix, name, version string) map[string]string {
	manifest := "name: " + name + "\nversion: " + version + "\nkind: image_classification\nsummary: a test module\n" +
		"models:\n  - name: classification\n    layout: files\n    program: model/inference.pdmodel\n    params: model/inference.pdiparams\n" +
		"    inputs: [{name: image, dtype: float32, shape: [-1, 3, 8, 8]}]\n    outputs: [{name: prob, dtype: float32, shape: [-1, 2]}]\n" +
		"assets:\n  label_list: assets/labels.txt\n"
	return map[string]string{
		prefix + ManifestFile:                manifest,
		prefix + "model/inference.pdmodel":   "program " + version,
		prefix + "model/inference.pdiparams": "params " + version,
		prefix + "assets/labels.txt":         "cat\ndog\n",
	}
}

// --- a minimal protobuf encoder for module_desc.pb fixtures ---

func pbTag(num, wire int) []byte { return binary.AppendUvarint(nil, uint64(num<<3|wire)) }

func pbBytes(num int, b []byte) []byte {
	out := pbTag(num, 2)
	out = binary.AppendUvarint(out, uint64(len(b)))
	return append(out, b...)
}

func pbVarint(num int, v uint64) []byte { return binary.AppendUvarint(pbTag(num, 0), v) }

func pbString(v string) []byte { return append(pbVarint(1, pbTypeString), pbBytes(5, []byte(v))...) }

func pbMap(kv map[string][]byte) []byte {
	var data []byte
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		data = append(data, pbBytes(2, append(pbBytes(1, []byte(k)), pbBytes(2, kv[k])...))...)
	}
	return append(pbVarint(1, pbTypeMap), pbBytes(6, data)...)
}

// ModuleDescPB encodes a 1.x module_desc.pb with module_info, a default signature and
// its feed and fetch variables.
func ModuleDescPB(name, version string) []byte {
	info := pbMap(map[string][]byte{
		"name": pbString(name), "version": pbString(version), "summary": pbString("ResNet50 on ImageNet"),
		"author": pbString("paddlepaddle"), "author_email": pbString("paddle-dev@baidu.com"), "type": pbString("cv/classification"),
	})
	attr := pbMap(map[string][]byte{
		"module_info": info, "default_signature": pbString("classification"),
		"name_prefix": pbString("@HUB_" + name + "@"),
	})
	feed := append(pbBytes(1, []byte("@HUB_"+name+"@image")), pbBytes(2, []byte("image"))...)
	fetch := pbBytes(1, []byte("@HUB_"+name+"@fc_0.tmp_2"))
	sig := append(pbBytes(1, fetch), pbBytes(2, feed)...)
	out := pbBytes(2, append(pbBytes(1, []byte("classification")), pbBytes(2, sig)...))
	return append(out, pbBytes(3, attr)...)
}
