package client

import (
	"context"
	"fmt"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/webtransport-go"
)

// DialWebTransport connects over WebTransport, e.g. to
// https://127.0.0.1:4433/wt, as a browser would.
func DialWebTransport(ctx context.Context, url string, o Options) (*Client, error) {
	o = o.withDefaults()
	d := &webtransport.Transport{
		TLSClientConfig: tlsFor(o, "h3"),
		QUICConfig:      &quic.Config{EnableDatagrams: true, EnableStreamResetPartialDelivery: true},
	}
	_, sess, err := d.Dial(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("client: webtransport dial %s: %w", url, err)
	}
	str, err := sess.OpenStreamSync(ctx)
	if err != nil {
		_ = sess.CloseWithError(0, "")
		return nil, err
	}
	w := newStreamWire(str, sess, o.MaxFrame, func(code uint64, msg string) error {
		err := sess.CloseWithError(webtransport.SessionErrorCode(code), msg)
		_ = d.Close()
		return err
	})
	w.dgram = func() bool { return true }
	return start(ctx, w, o)
}
