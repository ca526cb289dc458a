package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// freePort is a loopback port that nothing listened on a moment ago.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	return port
}

// TestServingStartStop runs the binary as a user does: serving start -m lac, a request
// with curl's body, serving stop (SIGTERM), and the PID file under the home.
func TestServingStartStop(t *testing.T) {
	if _, err := os.Stat(lacSdist); err != nil {
		t.Skipf("LAC sdist absent (%v): run `make lac-pkg`", err)
	}
	g := newRunner(t)
	r := g.run("install", lacSdist)
	require.Equal(t, 0, r.code, r.stderr)

	port := strconv.Itoa(freePort(t))
	server := g.command("serving", "start", "-m", "lac", "-p", port, "--workers", "2")
	var stdout, stderr bytes.Buffer
	server.Stdout, server.Stderr = &stdout, &stderr
	require.NoError(t, server.Start())
	exited := make(chan error, 1)
	go func() { exited <- server.Wait() }()
	t.Cleanup(func() {
		_ = server.Process.Kill()
		<-exited
	})
	url := "http://127.0.0.1:" + port
	require.Eventually(t, func() bool {
		resp, err := http.Get(url + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 30*time.Second, 20*time.Millisecond, "ready: %s", &stderr)

	resp, err := http.Post(url+"/predict/lac", "application/json", strings.NewReader(`{"text":["今天是个好日子"]}`))
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, `{"msg":"","results":[{"word":["今天","是","个","好日子"],"tag":["TIME","v","q","n"]}],"status":"000"}`+"\n", string(body))

	// PaddleHub 1.x's form post, as requests.post(url, data={"text": [...]}) sends it.
	resp, err = http.PostForm(url+"/predict/text/lac", map[string][]string{"text": {"今天是个好日子"}})
	require.NoError(t, err)
	body, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, `{"msg":"","results":[{"word":["今天","是","个","好日子"],"tag":["TIME","v","q","n"]}],"status":"0"}`+"\n", string(body))

	pidFile := filepath.Join(g.home, "conf", "serving_"+port+".json")
	pid, err := os.ReadFile(pidFile)
	require.NoError(t, err)
	assert.Contains(t, string(pid), `"pid":`+strconv.Itoa(server.Process.Pid))

	// A second server on the port is refused before it loads anything.
	r = g.run("serving", "start", "-m", "lac", "-p", port)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "Port "+port+" is occupied, please change it.")

	r = g.run("serving", "stop", "-p", port)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "PaddleHub Serving will stop.\nPaddleHub Serving has been stopped.\n", r.stdout)
	select {
	case err := <-exited:
		exited <- err
		require.NoError(t, err, "the server exits 0 on SIGTERM: %s", &stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("the server did not stop: %s", &stderr)
	}
	assert.Contains(t, stderr.String(), "lac == 2.1.2")
	assert.Contains(t, stderr.String(), "shutting down")
	assert.NoFileExists(t, pidFile)

	r = g.run("serving", "stop", "-p", port)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "please confirm the port ["+port+"] you specified is correct")
}

func TestServingStopStalePIDFile(t *testing.T) {
	g := newRunner(t)
	gone := exec.Command("true")
	require.NoError(t, gone.Run())
	conf := filepath.Join(g.home, "conf")
	require.NoError(t, os.MkdirAll(conf, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(conf, "serving_8899.json"),
		[]byte(`{"pid": `+strconv.Itoa(gone.Process.Pid)+`, "module": ["lac"], "start_time": 1}`), 0o644))
	r := g.run("serving", "stop", "-p", "8899")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "PaddleHub Serving has been stopped.\n", r.stdout)
	assert.NoFileExists(t, filepath.Join(conf, "serving_8899.json"))
}

func TestServingStartRefusals(t *testing.T) {
	g := newRunner(t)
	config := filepath.Join(t.TempDir(), "config.json")
	require.NoError(t, os.WriteFile(config, []byte(`{"modules_info": [{"module": "lac", "version": "1.0.0"}], "port": 8866}`), 0o644))
	port := strconv.Itoa(freePort(t))
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"serving", "start"}, 1, "no module: give -m MODULE"},
		{[]string{"serving", "start", "-c", config}, 1, "This configuration method is outdated"},
		{[]string{"serving", "start", "-m", "lac", "-p", port, "--max_queue", "-1"}, 1, "must not be negative"},
		{[]string{"serving", "start", "-m", "ernie", "-p", port}, 1, "gohub install ernie"},
	} {
		r := g.run(tt.args...)
		assert.Equal(t, tt.code, r.code, "%v: %s", tt.args, r.stderr)
		assert.Contains(t, r.stderr, tt.want, "%v", tt.args)
	}
	assert.NoFileExists(t, filepath.Join(g.home, "conf", "serving_"+port+".json"), "a server that failed leaves no PID file")
}
