package loadtest

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ErrRemote refuses a target that is not on this machine.
var ErrRemote = errors.New("loadtest: target is not a loopback address (use --allow-remote to load another machine)")

// checkLoopback fails unless every address (host:port, or a URL) names a
// loopback host. Empty addresses are skipped.
func checkLoopback(addrs ...string) error {
	for _, a := range addrs {
		if a == "" {
			continue
		}
		host, err := hostOf(a)
		if err != nil {
			return err
		}
		if !isLoopback(host) {
			return fmt.Errorf("%w: %s", ErrRemote, a)
		}
	}
	return nil
}

func hostOf(addr string) (string, error) {
	if strings.Contains(addr, "://") {
		u, err := url.Parse(addr)
		if err != nil {
			return "", fmt.Errorf("loadtest: bad address %q: %w", addr, err)
		}
		return u.Hostname(), nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("loadtest: bad address %q: %w", addr, err)
	}
	return host, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
