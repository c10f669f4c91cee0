package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"github.com/quic-go/webtransport-go"

	"github.com/hearth-server/hearth/codec"
)

// ALPN protocols on the QUIC port.
const (
	ALPN   = "hearth/1" // raw QUIC: one control stream plus datagrams
	ALPNH3 = "h3"       // HTTP/3, for WebTransport at /wt
)

// QUIC serves the protocol on one UDP socket: raw QUIC connections
// (ALPN hearth/1) and WebTransport sessions (ALPN h3, path /wt).
type QUIC struct {
	hub *Hub
	ln  *quic.EarlyListener
	udp net.PacketConn
	wt  *webtransport.Server
	wg  sync.WaitGroup
}

// ListenQUIC opens the UDP socket at addr.
func (h *Hub) ListenQUIC(addr string, certs *Certs) (*QUIC, error) {
	udp, err := net.ListenPacket("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("transport: quic listen %s: %w", addr, err)
	}
	qconf := &quic.Config{
		EnableDatagrams:                  true,
		EnableStreamResetPartialDelivery: true,
		Allow0RTT:                        true,
		MaxIdleTimeout:                   30 * time.Second,
		KeepAlivePeriod:                  10 * time.Second,
	}
	ln, err := quic.ListenEarly(udp, certs.TLSConfig(ALPN, ALPNH3), qconf)
	if err != nil {
		udp.Close()
		return nil, fmt.Errorf("transport: quic listen %s: %w", addr, err)
	}
	q := &QUIC{hub: h, ln: ln, udp: udp}
	mux := http.NewServeMux()
	mux.HandleFunc("/wt", q.serveWebTransport)
	h3 := &http3.Server{Handler: mux}
	webtransport.ConfigureHTTP3Server(h3)
	q.wt = &webtransport.Server{H3: h3, CheckOrigin: func(*http.Request) bool { return true }}
	return q, nil
}

// Addr is the bound UDP address.
func (q *QUIC) Addr() net.Addr { return q.udp.LocalAddr() }

// Serve accepts connections until Close.
func (q *QUIC) Serve() error {
	for {
		conn, err := q.ln.Accept(context.Background())
		if err != nil {
			if errors.Is(err, quic.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		q.wg.Go(func() { q.route(conn) })
	}
}

// route hands a connection to raw QUIC or HTTP/3 by its ALPN.
func (q *QUIC) route(conn *quic.Conn) {
	switch conn.ConnectionState().TLS.NegotiatedProtocol {
	case ALPN:
		q.hub.serveSession(rawSession{conn}, codec.Binary)
	case ALPNH3:
		if err := q.wt.ServeQUICConn(conn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			q.hub.cfg.Logger.Debug("http3 connection ended", "err", err)
		}
	default:
		_ = conn.CloseWithError(closeProtocol, "unsupported ALPN")
	}
}

func (q *QUIC) serveWebTransport(w http.ResponseWriter, r *http.Request) {
	s, err := q.wt.Upgrade(w, r)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	q.hub.serveSession(wtSession{s}, codec.Binary)
}

// Close stops accepting and closes every QUIC connection.
func (q *QUIC) Close() error {
	err := errors.Join(q.wt.Close(), q.ln.Close(), q.udp.Close())
	q.wg.Wait()
	return err
}

// qSession is what raw QUIC connections and WebTransport sessions have in
// common for hearth: one control stream the client opens, and datagrams.
type qSession interface {
	acceptStream(ctx context.Context) (qStream, error)
	SendDatagram([]byte) error
	ReceiveDatagram(context.Context) ([]byte, error)
	datagrams() bool
	handshakeDone() <-chan struct{}
	closeWith(code int, reason string)
}

type qStream interface {
	io.Reader
	io.Writer
	SetWriteDeadline(time.Time) error
}

type rawSession struct{ *quic.Conn }

func (s rawSession) acceptStream(ctx context.Context) (qStream, error) { return s.AcceptStream(ctx) }
func (s rawSession) datagrams() bool                                   { return s.ConnectionState().SupportsDatagrams.Remote }
func (s rawSession) handshakeDone() <-chan struct{}                    { return s.HandshakeComplete() }
func (s rawSession) closeWith(code int, reason string) {
	_ = s.CloseWithError(quic.ApplicationErrorCode(code), reason)
}

type wtSession struct{ *webtransport.Session }

func (s wtSession) acceptStream(ctx context.Context) (qStream, error) { return s.AcceptStream(ctx) }
func (s wtSession) datagrams() bool                                   { return true }
func (s wtSession) handshakeDone() <-chan struct{}                    { return closedChan }
func (s wtSession) closeWith(code int, reason string) {
	_ = s.CloseWithError(webtransport.SessionErrorCode(code), reason)
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func isDatagramTooLarge(err error) bool {
	var tooLarge *quic.DatagramTooLargeError
	return errors.As(err, &tooLarge)
}
