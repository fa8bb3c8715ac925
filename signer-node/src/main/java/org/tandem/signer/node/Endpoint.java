package org.tandem.signer.node;

import java.util.Objects;

/**
 * A TCP or UDP address as written in the configuration: {@code host:port}, {@code [v6]:port}.
 *
 * @param host a host name or an IP address literal (IPv6 without brackets); not resolved here
 * @param port 0 to 65535; 0 only for listen addresses (a free port, for tests)
 */
public record Endpoint(String host, int port) {
    public Endpoint {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host is empty");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0 to 65535, got " + port);
        }
    }

    /**
     * Parses {@code host:port}, {@code 192.0.2.1:53} or {@code [2001:db8::1]:53}.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static Endpoint parse(String text) {
        Objects.requireNonNull(text, "text");
        String t = text.trim();
        String host;
        String port;
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0 || close + 1 >= t.length() || t.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("'" + text + "' is not [IPv6]:port");
            }
            host = t.substring(1, close);
            port = t.substring(close + 2);
        } else {
            int colon = t.lastIndexOf(':');
            if (colon <= 0 || t.indexOf(':') != colon) {
                throw new IllegalArgumentException("'" + text + "' is not host:port (write IPv6 as [addr]:port)");
            }
            host = t.substring(0, colon);
            port = t.substring(colon + 1);
        }
        if (!port.matches("\\d{1,5}")) {
            throw new IllegalArgumentException("'" + text + "': port '" + port + "' is not a number");
        }
        return new Endpoint(host, Integer.parseInt(port));
    }

    /** {@code host:port}, IPv6 in brackets. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
