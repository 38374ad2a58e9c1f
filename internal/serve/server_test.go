package serve

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
)

// fakeSource yields a snapshot per call, one simulated second apart, and
// reports each call on calls so that tests can follow the daemon's loop.
type fakeSource struct {
	cfg   model.Config
	mu    sync.Mutex
	i     int
	calls chan int
}

func (f *fakeSource) Config() model.Config { return f.cfg }

func (f *fakeSource) Next(ctx context.Context) (*model.Snapshot, error) {
	f.mu.Lock()
	f.i++
	i := f.i
	f.mu.Unlock()
	select {
	case f.calls <- i:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return snap(time.Date(2026, 11, 25, 5, 0, i, 0, time.UTC)), nil
}

// startServer runs a Server on a fake source until the returned stop is called.
func startServer(t *testing.T, o Options) (srv *Server, src *fakeSource, stop func() error) {
	t.Helper()
	src = &fakeSource{cfg: model.Config{KernelRelease: "6.18.0-test", BootID: bootA, Backend: model.Backend{Name: "procfs"}},
		calls: make(chan int)}
	o.Listen = "127.0.0.1:0"
	srv, err := New(src, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			runErr = <-done
		})
		return runErr
	}
	t.Cleanup(func() { stop() })
	return srv, src, stop
}

func get(t *testing.T, url, user, pass string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServerBasicAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	webConfig := filepath.Join(t.TempDir(), "web.yml")
	if err := os.WriteFile(webConfig, []byte("basic_auth_users:\n  prom: "+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, src, stop := startServer(t, Options{WebConfigFile: webConfig, Version: "test"})
	<-src.calls
	<-src.calls // the first snapshot is in the collector
	url := "http://" + srv.Addr().String() + "/metrics"
	if code, _ := get(t, url, "", ""); code != http.StatusUnauthorized {
		t.Errorf("without credentials: %d, want 401", code)
	}
	if code, _ := get(t, url, "prom", "wrong"); code != http.StatusUnauthorized {
		t.Errorf("with a wrong password: %d, want 401", code)
	}
	code, body := get(t, url, "prom", "s3cret")
	if code != http.StatusOK || !strings.Contains(body, `nfstrace_info{backend="procfs",kernel="6.18.0-test",version="test"} 1`) {
		t.Errorf("with credentials: %d\n%s", code, body)
	}
	if err := stop(); err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestServerBadWebConfig(t *testing.T) {
	webConfig := filepath.Join(t.TempDir(), "web.yml")
	if err := os.WriteFile(webConfig, []byte("tls_server_config:\n  cert_file: /nonexistent.crt\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := &fakeSource{calls: make(chan int)}
	if _, err := New(src, Options{Listen: "127.0.0.1:0", WebConfigFile: webConfig}); err == nil {
		t.Error("New accepted a TLS config without a key file")
	}
}

// TestServerCaptures stops the server as SIGTERM does and checks that the
// capture was closed with its footer, and that a reopen started a new file.
func TestServerCaptures(t *testing.T) {
	dir := t.TempDir()
	reopen := make(chan struct{}, 1)
	_, src, stop := startServer(t, Options{
		Reopen:  reopen,
		Capture: RotateOptions{Dir: dir, Meta: testMeta(bootA)},
	})
	for i := 0; i < 3; i++ {
		<-src.calls
	}
	reopen <- struct{}{}
	for i := 0; i < 3; i++ {
		<-src.calls
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	files, err := capture.ListCaptures(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("%d capture files after one reopen, want 2", len(files))
	}
	total := 0
	for _, f := range files {
		n, clean, meta := readCapture(t, f.Path)
		if !clean || n == 0 || meta.Config.KernelRelease != "6.18.0-test" {
			t.Errorf("%s: %d snapshots, clean %v, kernel %q", f.Path, n, clean, meta.Config.KernelRelease)
		}
		total += n
	}
	// Six calls returned a snapshot (the seventh was cut by the stop): all
	// six are in the files.
	if total != 6 {
		t.Errorf("%d snapshots in the captures, want 6", total)
	}
}

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "nfstrace-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestServerTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	webConfig := filepath.Join(dir, "web.yml")
	cfg := "tls_server_config:\n  cert_file: " + certFile + "\n  key_file: " + keyFile + "\n"
	if err := os.WriteFile(webConfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, src, stop := startServer(t, Options{WebConfigFile: webConfig, Version: "test"})
	<-src.calls
	<-src.calls
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get("https://" + srv.Addr().String() + "/metrics")
	if err != nil {
		t.Fatalf("GET over TLS: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil || !strings.Contains(string(body), "nfstrace_snapshots_total") {
		t.Errorf("over TLS: %s, TLS %v", resp.Status, resp.TLS != nil)
	}
	// Plain HTTP to the TLS port gets no metrics.
	if code, body := get(t, "http://"+srv.Addr().String()+"/metrics", "", ""); code == http.StatusOK || strings.Contains(body, "nfstrace_") {
		t.Errorf("plain HTTP to the TLS port: %d", code)
	}
	if err := stop(); err != nil {
		t.Errorf("Run: %v", err)
	}
}
