package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr is the address of whoever sent the request, for sign-in
// throttling and the request log.
//
// It is the peer's IP — unless the peer is one of the trusted proxies
// (Config.TrustedProxies, MILA_TRUSTED_PROXIES). Behind a reverse proxy
// every request comes from the proxy, so without this all visitors would
// share one address and 30 wrong passwords from anyone would stop
// sign-in for everyone. From a trusted proxy the client is the right-most
// hop of X-Forwarded-For (else of Forwarded) that is not itself a
// trusted proxy: a proxy appends the address it saw, so everything left
// of that may have been written by the client and is not believed.
// A request from any other address has these headers ignored: anyone can
// send them. An unreadable hop where the client should be (a proxy that
// writes "unknown") leaves the peer's address.
func (a *App) clientAddr(r *http.Request) string {
	peer, ok := parseHop(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	if !a.trustedProxy(peer) {
		return peer.String()
	}
	hops := forwardedHops(r.Header)
	for i := len(hops) - 1; i >= 0; i-- {
		ip, ok := parseHop(hops[i])
		if !ok {
			return peer.String()
		}
		if !a.trustedProxy(ip) {
			return ip.String()
		}
		peer = ip // a chain of trusted proxies: the left-most one sent it
	}
	return peer.String()
}

func (a *App) trustedProxy(ip netip.Addr) bool {
	for _, p := range a.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// forwardedHops lists the client addresses proxies recorded, left (the
// first proxy's view) to right (the last proxy's): X-Forwarded-For when
// present, else the for= parameters of Forwarded (RFC 7239). Several
// header lines count as one list, in order.
func forwardedHops(h http.Header) []string {
	var hops []string
	if xff := h.Values("X-Forwarded-For"); len(xff) > 0 {
		for _, line := range xff {
			for _, hop := range strings.Split(line, ",") {
				hops = append(hops, strings.TrimSpace(hop))
			}
		}
		return hops
	}
	for _, line := range h.Values("Forwarded") {
		for _, elem := range strings.Split(line, ",") {
			for _, pair := range strings.Split(elem, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "for") {
					hops = append(hops, strings.Trim(strings.TrimSpace(v), `"`))
				}
			}
		}
	}
	return hops
}

// parseHop reads an address as proxies write it: "192.0.2.1",
// "192.0.2.1:4711", "2001:db8::1", "[2001:db8::1]:4711". IPv4 mapped
// into IPv6 reads as IPv4, and a zone is dropped, so one client is one
// string.
func parseHop(s string) (netip.Addr, bool) {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap().WithZone(""), true
}

// ParseTrustedProxies reads MILA_TRUSTED_PROXIES: comma-separated CIDRs
// (a bare address counts as one host). Empty means none.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		ip, err := netip.ParseAddr(part)
		if err != nil {
			return nil, err
		}
		ip = ip.Unmap()
		out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
	}
	return out, nil
}
