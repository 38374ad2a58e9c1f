package serve

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestServerClosesIdleConnections: a keep-alive connection left idle after a
// scrape is closed by the server, not held open for ever.
func TestServerClosesIdleConnections(t *testing.T) {
	srv, _, _ := startServer(t, Options{IdleTimeout: 50 * time.Millisecond})
	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.Close {
		t.Fatal("the server closed the connection after the response: keep-alive not in use, nothing to test")
	}
	// Idle now. The deadline only keeps a broken server from hanging the
	// test: a server without an idle timeout never closes the connection.
	c.SetReadDeadline(time.Now().Add(time.Minute))
	n, err := br.ReadByte()
	if !errors.Is(err, io.EOF) {
		t.Fatalf("idle connection: read %q, %v; want EOF (closed by the server)", n, err)
	}
}

// blockingCollector holds every scrape until release is closed, saying on
// entered when one started.
type blockingCollector struct {
	entered chan struct{}
	release chan struct{}
}

func (b *blockingCollector) Describe(chan<- *prometheus.Desc) {}
func (b *blockingCollector) Collect(chan<- prometheus.Metric) {
	b.entered <- struct{}{}
	<-b.release
}

// TestServerLimitsScrapes: past MaxScrapes concurrent scrapes, the next one
// is refused with 503 at once instead of piling up.
func TestServerLimitsScrapes(t *testing.T) {
	const limit = 2
	srv, _, _ := startServer(t, Options{MaxScrapes: limit})
	bc := &blockingCollector{entered: make(chan struct{}), release: make(chan struct{})}
	srv.reg.MustRegister(bc)
	url := "http://" + srv.Addr().String() + "/metrics"
	codes := make(chan int, limit)
	for range limit {
		go func() {
			resp, err := http.Get(url)
			if err != nil {
				codes <- -1
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	for range limit {
		<-bc.entered
	}
	if code, body := get(t, url, "", ""); code != http.StatusServiceUnavailable {
		t.Errorf("scrape %d while %d run: %d %q, want 503", limit+1, limit, code, body)
	}
	close(bc.release)
	for range limit {
		if code := <-codes; code != http.StatusOK {
			t.Errorf("a held scrape ended with %d, want 200", code)
		}
	}
	// the limit frees up once they end
	go func() {
		for range bc.entered {
		}
	}()
	if code, _ := get(t, url, "", ""); code != http.StatusOK {
		t.Errorf("scrape after the others ended: %d, want 200", code)
	}
	close(bc.entered)
}
