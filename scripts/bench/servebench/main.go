// Command servebench measures `gohub serving` under load: it starts the gohub binary
// serving lac on a loopback port, and for each number of concurrent clients sends
// -requests requests of one sentence each (testdata/lac/bench_sentences.txt, in turn) with
// the vegeta load-testing library, for at most -seconds per level. It prints one JSON line
// per level: throughput, p50 and p99 latency, errors (a request counts as one unless it is
// answered 200 with status "000"), the server's resident memory before and after, and the
// mean batch the server ran (its /metrics).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

type result struct {
	Clients     int     `json:"clients"`
	Requests    uint64  `json:"requests"`
	Errors      uint64  `json:"errors"`
	Seconds     float64 `json:"seconds"`
	PerSec      float64 `json:"requests_per_sec"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	RSSBeforeMB float64 `json:"rss_before_mb"`
	RSSAfterMB  float64 `json:"rss_after_mb"`
	MeanBatch   float64 `json:"mean_batch"`
}

func main() {
	gohub := flag.String("gohub", "build/gohub", "the gohub binary")
	home := flag.String("home", "", "a GOHUB_HOME with lac installed (default: a temporary one, lac installed from -lac)")
	lacPkg := flag.String("lac", "build/lac-pkg/LAC-2.1.2.tar.gz", "the LAC package to install lac from")
	model := flag.String("model", "seg", "lac's model to serve (seg: the LAC rows' model; lac: words and tags)")
	workers := flag.Int("workers", 2, "the server's workers")
	maxBatch := flag.Int("max_batch_size", 32, "the server's max_batch_size")
	sentences := flag.String("sentences", "testdata/lac/bench_sentences.txt", "one sentence per line")
	clients := flag.String("clients", "1,16,64", "numbers of concurrent clients")
	requests := flag.Uint64("requests", 10000, "requests per level")
	seconds := flag.Float64("seconds", 60, "the most time per level")
	flag.Parse()
	if err := run(*gohub, *home, *lacPkg, *model, *workers, *maxBatch, *sentences, *clients, *requests, *seconds); err != nil {
		fmt.Fprintln(os.Stderr, "servebench:", err)
		os.Exit(2)
	}
}

func run(gohub, home, lacPkg, model string, workers, maxBatch int, sentencesPath, clientList string, requests uint64, seconds float64) error {
	if home == "" {
		dir, err := os.MkdirTemp("", "servebench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		home = dir
		install := exec.Command(gohub, "install", lacPkg)
		install.Env = append(os.Environ(), "GOHUB_HOME="+home, "GOHUB_PIP=off")
		if out, err := install.CombinedOutput(); err != nil {
			return fmt.Errorf("install lac: %v: %s", err, out)
		}
	}
	texts, err := readLines(sentencesPath)
	if err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	config := filepath.Join(home, "servebench.json")
	cfg := fmt.Sprintf(`{"modules_info": {"lac": {"init_args": {"model": %q}}}, "port": %d, "workers": %d, "max_batch_size": %d, "max_queue": 4096}`,
		model, port, workers, maxBatch)
	if err := os.WriteFile(config, []byte(cfg), 0o644); err != nil {
		return err
	}
	server := exec.Command(gohub, "serving", "start", "-c", config)
	server.Env = append(os.Environ(), "GOHUB_HOME="+home)
	var logs bytes.Buffer
	server.Stdout, server.Stderr = &logs, &logs
	if err := server.Start(); err != nil {
		return err
	}
	defer func() {
		_ = server.Process.Signal(syscall.SIGTERM)
		_ = server.Wait()
	}()
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	if err := waitReady(base, 60*time.Second); err != nil {
		return fmt.Errorf("%v: %s", err, logs.String())
	}

	targets := make([]vegeta.Target, len(texts))
	for i, t := range texts {
		body, _ := json.Marshal(map[string][]string{"text": {t}})
		targets[i] = vegeta.Target{Method: http.MethodPost, URL: base + "/predict/lac", Body: body,
			Header: http.Header{"Content-Type": {"application/json"}}}
	}
	for _, field := range strings.Split(clientList, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || c < 1 {
			return fmt.Errorf("-clients %q: want numbers separated by commas", clientList)
		}
		before, err := scrape(base)
		if err != nil {
			return err
		}
		r := attack(targets, c, requests, time.Duration(seconds*float64(time.Second)))
		after, err := scrape(base)
		if err != nil {
			return err
		}
		r.RSSBeforeMB = before["process_resident_memory_bytes"] / (1 << 20)
		r.RSSAfterMB = after["process_resident_memory_bytes"] / (1 << 20)
		if n := after[`gohub_serving_batch_size_count{module="lac"}`] - before[`gohub_serving_batch_size_count{module="lac"}`]; n > 0 {
			r.MeanBatch = (after[`gohub_serving_batch_size_sum{module="lac"}`] - before[`gohub_serving_batch_size_sum{module="lac"}`]) / n
		}
		line, _ := json.Marshal(r)
		fmt.Println(string(line))
	}
	return nil
}

// attack sends requests from c clients, each waiting for its answer before its next request.
// The clients' connections are closed at the end, as a client process's would be when it
// exits: left open, each level would add its connections to those the server holds, and the
// next level's RSS would count them.
func attack(targets []vegeta.Target, c int, requests uint64, limit time.Duration) result {
	// vegeta's own transport, but one this function holds, to close its connections.
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext}
	defer tr.CloseIdleConnections()
	atk := vegeta.NewAttacker(vegeta.Client(&http.Client{Transport: tr}), vegeta.Workers(uint64(c)),
		vegeta.MaxWorkers(uint64(c)), vegeta.Connections(c), vegeta.MaxConnections(c), vegeta.KeepAlive(true),
		vegeta.Timeout(30*time.Second))
	var m vegeta.Metrics
	var errors uint64
	start := time.Now()
	for res := range atk.Attack(vegeta.NewStaticTargeter(targets...), vegeta.Rate{Freq: 0}, limit, fmt.Sprint(c)) {
		if res.Code != http.StatusOK || !bytes.Contains(res.Body, []byte(`"status":"000"`)) {
			errors++
		}
		m.Add(res)
		if m.Requests == requests {
			atk.Stop()
		}
	}
	elapsed := time.Since(start)
	m.Close()
	return result{Clients: c, Requests: m.Requests, Errors: errors, Seconds: elapsed.Seconds(),
		PerSec: float64(m.Requests) / elapsed.Seconds(), P50ms: ms(m.Latencies.P50), P99ms: ms(m.Latencies.P99)}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// scrape reads the server's /metrics into name{labels} -> value.
func scrape(base string) (map[string]float64, error) {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out, sc.Err()
}

func waitReady(base string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	for ctx.Err() == nil {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("the server was not ready within %v", limit)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func readLines(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no sentences", path)
	}
	return out, nil
}
