package source

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gohub/gohub/internal/settings"
	"github.com/pkg/errors"
)

// DefaultTimeout bounds every wait on the network unless GOHUB_TIMEOUT says otherwise
// (settings.NetworkTimeout): connecting (DNS included), the TLS handshake, the first
// response byte, and any pause inside a response body. An offline machine or a dead server
// therefore fails within it instead of hanging (PaddleHub's most reported problem).
const DefaultTimeout = settings.DefaultTimeout

// NewHTTPClient returns a client whose every wait is bounded by timeout. There is no
// overall deadline: a large download may take long as long as bytes keep coming (the
// body's idle limit is idleReader's job).
func NewHTTPClient(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   2,
	}}
}

// UnreachableError: a server could not be reached or stopped answering.
type UnreachableError struct {
	URL     string
	Timeout time.Duration
	Err     error
}

func (e *UnreachableError) Error() string {
	var ne net.Error
	if errors.As(e.Err, &ne) && ne.Timeout() {
		return "cannot reach " + e.URL + ": no answer within " + e.Timeout.String() + " (" + e.Err.Error() + ")"
	}
	return "cannot reach " + e.URL + ": " + e.Err.Error()
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// HTTPStatusError: a server answered with an error status.
type HTTPStatusError struct {
	URL    string
	Status string
	Code   int
}

func (e *HTTPStatusError) Error() string {
	return e.URL + " answered " + e.Status
}

// httpGet sends a GET with the given headers and returns the response if its status is
// one of ok. The caller closes the body. Failures to connect or to get an answer in time
// become *UnreachableError, other statuses *HTTPStatusError.
func httpGet(ctx context.Context, c *http.Client, timeout time.Duration, rawURL string, hdr http.Header, ok ...int) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, errors.Wrap(err, "bad URL")
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", "gohub")
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, errors.Wrap(ctx.Err(), rawURL)
		}
		return nil, &UnreachableError{URL: redact(rawURL), Timeout: timeout, Err: unwrapURLError(err)}
	}
	for _, code := range ok {
		if resp.StatusCode == code {
			return resp, nil
		}
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	return nil, &HTTPStatusError{URL: redact(rawURL), Status: resp.Status, Code: resp.StatusCode}
}

// unwrapURLError drops url.Error's "Get <url>:" prefix; the URL is reported separately.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redact removes credentials and the query from a URL for messages.
func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	u.User = nil
	u.RawQuery = ""
	return u.String()
}

// idleReader fails a read that waits longer than timeout for data, by cancelling the
// request: a stalled connection is treated like a dropped one and can be resumed.
type idleReader struct {
	r       io.Reader
	timer   *time.Timer
	timeout time.Duration
	mu      sync.Mutex
	stalled bool
}

func newIdleReader(r io.Reader, timeout time.Duration, cancel context.CancelFunc) *idleReader {
	ir := &idleReader{r: r, timeout: timeout}
	ir.timer = time.AfterFunc(timeout, func() {
		ir.mu.Lock()
		ir.stalled = true
		ir.mu.Unlock()
		cancel()
	})
	return ir
}

func (ir *idleReader) Read(p []byte) (int, error) {
	n, err := ir.r.Read(p)
	ir.timer.Reset(ir.timeout)
	ir.mu.Lock()
	stalled := ir.stalled
	ir.mu.Unlock()
	if err != nil && stalled {
		err = errors.Errorf("no data for %s", ir.timeout)
	}
	return n, err
}

func (ir *idleReader) stop() { ir.timer.Stop() }

// parseServerURL accepts http and https URLs only.
func parseServerURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.Errorf("invalid server URL %q: want http://host/path or https://host/path", s)
	}
	return u, nil
}

// isStaticIndex reports whether a server URL names a static gohub index.
func isStaticIndex(u *url.URL) bool { return strings.HasSuffix(u.Path, ".json") }
