package loadtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// errCertMismatch: the server's certificate is not the one pinned.
var errCertMismatch = errors.New("loadtest: server certificate does not match the pinned SHA-256")

// fetchCertHash asks the server for the SHA-256 of its QUIC certificate
// (GET /api/cert-hash).
func fetchCertHash(ctx context.Context, httpAddr string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+httpAddr+"/api/cert-hash", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("loadtest: cert hash: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("loadtest: cert hash: %s", resp.Status)
	}
	var body struct {
		Hex string `json:"hex"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&body); err != nil {
		return nil, fmt.Errorf("loadtest: cert hash: %w", err)
	}
	sum, err := hex.DecodeString(body.Hex)
	if err != nil || len(sum) != sha256.Size {
		return nil, fmt.Errorf("loadtest: cert hash %q is not a SHA-256", body.Hex)
	}
	return sum, nil
}

// pinnedTLS trusts exactly the certificate whose SHA-256 is sum, as
// browsers do with WebTransport serverCertificateHashes. There is no
// session cache: quic-go v0.64 races when concurrent dials share one
// ticket, and every load-test connect should cost a full handshake.
func pinnedTLS(sum []byte) *tls.Config {
	return &tls.Config{
		InsecureSkipVerify: true, // replaced by the pin below
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return errCertMismatch
			}
			got := sha256.Sum256(raw[0])
			if !bytes.Equal(got[:], sum) {
				return errCertMismatch
			}
			return nil
		},
	}
}
