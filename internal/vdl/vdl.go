// Package vdl writes and reads VisualDL 2 log files ("vdlrecords.<unix seconds>.log"), the
// files VisualDL's LogWriter writes and `visualdl --logdir DIR` shows, without VisualDL.
//
// A file is a sequence of frames, each a little-endian uint64 length followed by a
// serialised visualdl.Record protobuf (no checksums); the first record is LogWriter's
// meta-data record. Scalars are records of one Value{id: step, tag, timestamp (ms), value}.
//
// VisualDL shows one file per directory: the newest, that is the greatest file name
// containing "vdlrecords" (LogReader.logs). A run that continues an earlier one therefore
// uses Resume, which carries the earlier run's records into its new file.
//
// Every record is written to the file with a single write as it is added, so a killed
// process leaves a file that ends with a whole record; Flush makes it durable (fsync).
package vdl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Writer appends records to one VisualDL log file. Its methods may be called from several
// goroutines.
type Writer struct {
	mu   sync.Mutex
	f    *os.File
	path string
	err  error // the first write error; later calls return it
}

// Create starts a new log file in dir (made if missing), named after the current time,
// and writes the meta-data record VisualDL expects first.
func Create(dir string) (*Writer, error) {
	return create(dir, nil)
}

// Resume starts a new log file in dir that begins with the records of dir's newest log
// file (the one VisualDL shows) whose step is at most step: the history of a run resumed
// from its checkpoint at that step, without what the interrupted run logged after it. The
// older file is left in place; VisualDL ignores it from now on. It returns the carried
// scalars, in file order. Without an earlier file it is Create.
func Resume(dir string, step int64) (*Writer, []Record, error) {
	prev, err := Latest(dir)
	if err != nil {
		return nil, nil, err
	}
	if prev == "" {
		w, err := Create(dir)
		return w, nil, err
	}
	data, err := os.ReadFile(prev)
	if err != nil {
		return nil, nil, err
	}
	recs, _ := splitFrames(data)
	var keep [][]byte
	var scalars []Record
	for _, raw := range recs {
		r, _ := decodeRecord(raw) // splitFrames checked it
		if r.Kind == KindMeta || r.Step > step {
			continue
		}
		keep = append(keep, raw)
		if r.Kind == KindScalar {
			scalars = append(scalars, r)
		}
	}
	w, err := create(dir, keep)
	return w, scalars, err
}

// Latest returns the path of dir's log file that VisualDL shows: the greatest name
// containing "vdlrecords". It returns "" when there is none or dir does not exist.
func Latest(dir string) (string, error) {
	names, err := logNames(dir)
	if err != nil || len(names) == 0 {
		return "", err
	}
	return filepath.Join(dir, names[len(names)-1]), nil
}

// logNames lists dir's log files in ascending name order.
func logNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.Contains(e.Name(), "vdlrecords") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// create makes the new file, with a name greater than every existing log file's so that
// VisualDL shows it, and writes the meta-data record and then the given records. The
// file is written under a temporary name and renamed, so VisualDL never sees it without
// its history.
func create(dir string, history [][]byte) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	names, err := logNames(dir)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	secs := now.Unix()
	for _, n := range names {
		if s, ok := nameSeconds(n); ok && s >= secs {
			secs = s + 1
		}
	}
	var name string
	for {
		// VisualDL's own name: "vdlrecords.%010d.log" % time.time().
		name = filepath.Join(dir, fmt.Sprintf("vdlrecords.%010d.log", secs))
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			break
		}
		secs++
	}
	tmp, err := os.CreateTemp(dir, ".vdl-*.tmp")
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	buf := frame(metaRecord("", now.UnixMilli()))
	for _, r := range history {
		buf = append(buf, frame(r)...)
	}
	if _, err := tmp.Write(buf); err != nil {
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		return nil, err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return nil, err
	}
	ok = true
	return &Writer{f: tmp, path: name}, nil
}

// nameSeconds reads the seconds of "vdlrecords.<seconds>.log<suffix>".
func nameSeconds(name string) (int64, bool) {
	rest, ok := strings.CutPrefix(name, "vdlrecords.")
	if !ok {
		return 0, false
	}
	digits, _, ok := strings.Cut(rest, ".")
	if !ok {
		return 0, false
	}
	s, err := strconv.ParseInt(digits, 10, 64)
	return s, err == nil
}

// Path is the file being written.
func (w *Writer) Path() string { return w.path }

// AddScalar appends a scalar: tag's value at step, logged at wall (VisualDL keeps it in
// milliseconds). Tags may not contain '%', which VisualDL rejects.
func (w *Writer) AddScalar(tag string, step int64, value float32, wall time.Time) error {
	if tag == "" || strings.Contains(tag, "%") {
		return fmt.Errorf("vdl: invalid tag %q (empty or with %%)", tag)
	}
	return w.write(frame(scalarRecord(tag, step, value, wall.UnixMilli())))
}

func (w *Writer) write(b []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if w.f == nil {
		return fmt.Errorf("vdl: %s: writer closed", w.path)
	}
	if _, err := w.f.Write(b); err != nil {
		w.err = fmt.Errorf("vdl: %w", err)
	}
	return w.err
}

// Flush makes what was added durable (the data is in the file from AddScalar on; Flush
// syncs it to the disk).
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil || w.f == nil {
		return w.err
	}
	if err := w.f.Sync(); err != nil {
		w.err = fmt.Errorf("vdl: %w", err)
	}
	return w.err
}

// Close flushes and closes the file. Closing twice is not an error.
func (w *Writer) Close() error {
	err := w.Flush()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return err
	}
	if cerr := w.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("vdl: %w", cerr)
	}
	w.f = nil
	return err
}

// ReadFile reads a log file's records in order. A record cut short at the end (by a writer
// killed mid-write) and anything after it are left out.
func ReadFile(path string) ([]Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	raw, _ := splitFrames(data)
	recs := make([]Record, len(raw))
	for i, r := range raw {
		recs[i], _ = decodeRecord(r)
	}
	return recs, nil
}
