package transport

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"sync"
	"time"
)

// certValidity is how long a generated certificate is valid: browsers
// accept serverCertificateHashes only for certificates valid under 14 days.
const certValidity = 10 * 24 * time.Hour

// Certs holds the TLS certificate QUIC and WebTransport present: one from
// files, or a self-signed ECDSA P-256 one generated at start and replaced
// halfway through its validity.
type Certs struct {
	mu   sync.RWMutex
	cert *tls.Certificate
	hash [32]byte
	self bool
	made time.Time
}

// LoadCerts reads a certificate and key from PEM files.
func LoadCerts(certFile, keyFile string) (*Certs, error) {
	c, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("transport: TLS certificate: %w", err)
	}
	return &Certs{cert: &c, hash: sha256.Sum256(c.Certificate[0])}, nil
}

// SelfSigned generates a self-signed certificate for 127.0.0.1, ::1 and
// localhost.
func SelfSigned() (*Certs, error) {
	c := &Certs{self: true}
	return c, c.generate(time.Now())
}

func (c *Certs) generate(now time.Time) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("transport: generate key: %w", err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "hearth"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certValidity - time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("transport: create certificate: %w", err)
	}
	leaf, _ := x509.ParseCertificate(der)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cert = &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
	c.hash = sha256.Sum256(der)
	c.made = now
	return nil
}

// rotateIfDue replaces a self-signed certificate older than half its
// validity. It reports whether it did.
func (c *Certs) rotateIfDue(now time.Time) (bool, error) {
	c.mu.RLock()
	due := c.self && now.Sub(c.made) > certValidity/2
	c.mu.RUnlock()
	if !due {
		return false, nil
	}
	return true, c.generate(now)
}

// TLSConfig returns a server TLS configuration presenting the current
// certificate, offering the given ALPN protocols.
func (c *Certs) TLSConfig(alpn ...string) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		NextProtos: alpn,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			if _, err := c.rotateIfDue(time.Now()); err != nil {
				return nil, err
			}
			c.mu.RLock()
			defer c.mu.RUnlock()
			return c.cert, nil
		},
	}
}

// Hash returns the SHA-256 of the current certificate (DER).
func (c *Certs) Hash() [32]byte {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.hash
}

// Pool returns a pool trusting the current certificate, for clients in
// tests and tools on the same machine.
func (c *Certs) Pool() *x509.CertPool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	p := x509.NewCertPool()
	leaf, err := x509.ParseCertificate(c.cert.Certificate[0])
	if err == nil {
		p.AddCert(leaf)
	}
	return p
}

// ServeHash answers GET /api/cert-hash with the hash browsers pass as
// WebTransport serverCertificateHashes.
func (c *Certs) ServeHash(w http.ResponseWriter, _ *http.Request) {
	h := c.Hash()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]string{
		"algorithm": "sha-256",
		"base64":    base64.StdEncoding.EncodeToString(h[:]),
		"hex":       hex.EncodeToString(h[:]),
	})
}

// WebTransportInfo serves GET /api/webtransport for browser clients:
// the session URL on q's UDP address (the request's host when q listens
// on every interface) and the certificate hash to pin, base64.
func WebTransportInfo(q *QUIC, c *Certs) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, port, _ := net.SplitHostPort(q.Addr().String())
		if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
			host = r.Host
			if h, _, err := net.SplitHostPort(r.Host); err == nil {
				host = h
			}
		}
		h := c.Hash()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(map[string]string{
			"url":         "https://" + net.JoinHostPort(host, port) + "/wt",
			"cert_sha256": base64.StdEncoding.EncodeToString(h[:]),
		})
	})
}
