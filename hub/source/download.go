package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gohub/gohub/hub/progress"
	"github.com/gohub/gohub/hub/store"
	"github.com/pkg/errors"
)

// Downloader fetches archives into cache/downloads. A partial file survives a dropped
// connection, a stall or a killed process and is resumed with an HTTP Range request; the
// result is verified against the published digest before anyone uses it.
type Downloader struct {
	Client   *http.Client
	Timeout  time.Duration
	Dir      string
	Progress progress.Func // download events; nil for silence
	Retries  int           // resumptions after a dropped connection, per fetch
}

// droppedError: the connection broke or stalled after the response started; resumable.
type droppedError struct{ err error }

func (e *droppedError) Error() string { return "connection dropped: " + e.err.Error() }

func (e *droppedError) Unwrap() error { return e.err }

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// FileNameOf is the base name of a URL's path, safe to use as a file name.
func FileNameOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	name := "download"
	if err == nil {
		if b := path.Base(u.Path); b != "/" && b != "." {
			name = b
		}
	}
	name = unsafeFileChars.ReplaceAllString(name, "_")
	if strings.Trim(name, ".") == "" {
		name = "download"
	}
	return name
}

// PartPath names the partial file of a URL: the same URL resumes the same file.
func (d *Downloader) PartPath(rawURL string) string {
	h := sha256.Sum256([]byte(rawURL))
	return filepath.Join(d.Dir, hex.EncodeToString(h[:8])+"-"+FileNameOf(rawURL)+".part")
}

// Fetch downloads rawURL and returns the path of the verified file, which the caller
// moves or removes. On a checksum mismatch after resuming an older partial file, it
// starts over once from zero: the old part may belong to an earlier version of the file.
func (d *Downloader) Fetch(ctx context.Context, rawURL string, want store.Digest) (string, error) {
	if err := os.MkdirAll(d.Dir, 0o755); err != nil {
		return "", errors.Wrap(err, "create the download cache")
	}
	part := d.PartPath(rawURL)
	resumed := FileSize(part) > 0
	for {
		if err := d.fetchPart(ctx, rawURL, part); err != nil {
			var full *store.DiskFullError
			if errors.As(err, &full) {
				os.Remove(part) // free the space; a full disk must not keep half a file
			}
			return "", err
		}
		err := want.Verify(part)
		if err == nil {
			return part, nil
		}
		var bad *store.ChecksumError
		if errors.As(err, &bad) {
			bad.File = FileNameOf(rawURL)
		}
		os.Remove(part)
		if !resumed {
			return "", err
		}
		d.Progress.Statusf("The partial download of %s did not match; starting over.", FileNameOf(rawURL))
		resumed = false
	}
}

// fetchPart completes the partial file, resuming after dropped connections.
func (d *Downloader) fetchPart(ctx context.Context, rawURL, part string) error {
	for attempt := 0; ; attempt++ {
		err := d.attempt(ctx, rawURL, part)
		var dropped *droppedError
		if err == nil || !errors.As(err, &dropped) || ctx.Err() != nil {
			return err
		}
		if attempt >= d.Retries {
			return errors.Wrapf(err, "download %s: gave up after %d resumptions; run the command again to resume", redact(rawURL), attempt)
		}
		d.Progress.Statusf("Connection to %s dropped at %s (%v); resuming.", hostOf(rawURL), progress.HumanBytes(FileSize(part)), dropped.err)
	}
}

// attempt makes one request: a Range request from the partial file's size, if any.
func (d *Downloader) attempt(ctx context.Context, rawURL, part string) error {
	offset := FileSize(part)
	hdr := http.Header{}
	if offset > 0 {
		hdr.Set("Range", "bytes="+strconv.FormatInt(offset, 10)+"-")
	}
	reqCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	resp, err := httpGet(reqCtx, d.Client, d.Timeout, rawURL, hdr, http.StatusOK, http.StatusPartialContent, http.StatusRequestedRangeNotSatisfiable)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	flags := os.O_WRONLY | os.O_CREATE
	switch resp.StatusCode {
	case http.StatusRequestedRangeNotSatisfiable:
		// The part already holds the whole file (or the server changed); Verify decides.
		if offset > 0 {
			return nil
		}
		return &HTTPStatusError{URL: redact(rawURL), Status: resp.Status, Code: resp.StatusCode}
	case http.StatusPartialContent:
		if start, ok := contentRangeStart(resp.Header.Get("Content-Range")); !ok || start != offset {
			return errors.Errorf("download %s: the server resumed at the wrong offset (%s)", redact(rawURL), resp.Header.Get("Content-Range"))
		}
		flags |= os.O_APPEND
	default: // 200: the server ignores Range, or there was nothing to resume
		offset = 0
		flags |= os.O_TRUNC
	}
	total := int64(0)
	if resp.ContentLength > 0 {
		total = offset + resp.ContentLength
	}
	f, err := os.OpenFile(part, flags, 0o644)
	if err != nil {
		return store.CheckDiskFull(errors.Wrap(err, "download"), part)
	}
	name := FileNameOf(rawURL)
	d.Progress.Report(progress.DownloadStart{Name: name, Host: hostOf(rawURL), Offset: offset, Total: total})
	counter := &counter{name: name, done: offset, total: total, report: d.Progress}
	defer func() { d.Progress.Report(progress.DownloadEnd{Name: name, Done: counter.done, Total: total}) }()
	body := newIdleReader(resp.Body, d.Timeout, cancel)
	defer body.stop()
	_, copyErr := io.Copy(io.MultiWriter(f, counter), body)
	closeErr := f.Close()
	switch {
	case copyErr != nil && store.IsWriteError(copyErr):
		return store.CheckDiskFull(errors.Wrap(copyErr, "download"), part)
	case copyErr != nil && ctx.Err() != nil:
		// The caller gave up (Ctrl-C): not a dropped connection, and not to be resumed now.
		return errors.Wrapf(ctx.Err(), "download %s stopped at %s (run the command again to resume)", redact(rawURL), progress.HumanBytes(FileSize(part)))
	case copyErr != nil:
		return &droppedError{err: unwrapURLError(copyErr)}
	case closeErr != nil:
		return store.CheckDiskFull(errors.Wrap(closeErr, "download"), part)
	case total > 0 && FileSize(part) < total:
		return &droppedError{err: io.ErrUnexpectedEOF}
	}
	return nil
}

// contentRangeStart parses "bytes START-END/TOTAL".
func contentRangeStart(h string) (int64, bool) {
	rest, ok := strings.CutPrefix(h, "bytes ")
	if !ok {
		return 0, false
	}
	start, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(start, 10, 64)
	return n, err == nil
}

func FileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return 0
	}
	return fi.Size()
}

// counter reports the bytes written through it as DownloadProgress events.
type counter struct {
	name        string
	done, total int64
	report      progress.Func
}

func (c *counter) Write(b []byte) (int, error) {
	c.done += int64(len(b))
	c.report.Report(progress.DownloadProgress{Name: c.name, Done: c.done, Total: c.total})
	return len(b), nil
}

func hostOf(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil && u.Host != "" {
		return u.Host
	}
	return rawURL
}
