package org.tandem.signer.lifecycle;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.tandem.keysync.key.ZoneName;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * {@code parent.check: resolver}: finds the parent zone (the SOA above the child's name), its name
 * servers and their addresses through the configured resolver, then asks each address of each name
 * server directly (no recursion) for the child's DS RRset. The parent has changed the DS only when every
 * one of them serves it: a resolver's cache alone could show a change that half the servers lack.
 * Every query has a timeout; a server that does not answer is a failure, never "no DS".
 */
public final class ResolverParentDs implements ParentDs {
    private static final int EDNS_BUFFER = 1232;

    private final Duration timeout;
    private final Function<InetAddress, InetSocketAddress> route;

    /** Queries time out after {@code timeout}; each parent server is asked on port 53. */
    public ResolverParentDs(Duration timeout) {
        this(timeout, a -> new InetSocketAddress(a, 53));
    }

    /**
     * @param route where a parent name server's address is reached (port 53 in the field; tests run
     *     their servers elsewhere)
     */
    public ResolverParentDs(Duration timeout, Function<InetAddress, InetSocketAddress> route) {
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.route = Objects.requireNonNull(route, "route");
    }

    @Override
    public ParentDsAnswer ask(ZoneName zone, String resolver) {
        SimpleResolver recursive;
        try {
            recursive = client(endpoint(resolver));
        } catch (IllegalArgumentException | UnknownHostException e) {
            return ParentDsAnswer.failed(zone, "resolver '" + resolver + "': " + e.getMessage());
        }
        List<String> failures = new ArrayList<>();
        Map<String, List<DSRecord>> servers = new LinkedHashMap<>();
        try {
            Name parent = parentApex(recursive, zone.name());
            List<Name> nameServers = records(recursive, parent, Type.NS, true).stream()
                    .map(r -> ((NSRecord) r).getTarget())
                    .distinct()
                    .toList();
            if (nameServers.isEmpty()) {
                return ParentDsAnswer.failed(zone, "parent " + parent + ": no NS RRset through " + resolver);
            }
            for (Name ns : nameServers) {
                List<InetAddress> addresses = new ArrayList<>();
                for (int type : new int[] {Type.A, Type.AAAA}) {
                    for (Record r : records(recursive, ns, type, false)) {
                        addresses.add(r instanceof ARecord a ? a.getAddress() : ((AAAARecord) r).getAddress());
                    }
                }
                if (addresses.isEmpty()) {
                    failures.add(ns + ": no address through " + resolver);
                }
                for (InetAddress address : addresses) {
                    String server = ns + " " + address.getHostAddress();
                    try {
                        servers.put(server, ds(route.apply(address), zone.name()));
                    } catch (IOException e) {
                        failures.add(server + ": " + e.getMessage());
                    }
                }
            }
        } catch (IOException e) {
            failures.add(e.getMessage());
        }
        return new ParentDsAnswer(zone, servers, failures);
    }

    /** The zone that holds the child's delegation: the owner of the SOA found above the child's name. */
    private Name parentApex(SimpleResolver recursive, Name child) throws IOException {
        if (child.labels() <= 1) {
            throw new IOException("the root zone has no parent");
        }
        Name above = new Name(child, 1);
        Message answer = send(recursive, above, Type.SOA, true);
        for (int section : new int[] {Section.ANSWER, Section.AUTHORITY}) {
            for (Record r : answer.getSection(section)) {
                if (r instanceof SOARecord) {
                    return r.getName();
                }
            }
        }
        throw new IOException("no SOA for " + above + " (the parent of " + child + ") through the resolver");
    }

    private List<Record> records(SimpleResolver through, Name name, int type, boolean required) throws IOException {
        Message answer = send(through, name, type, true);
        List<Record> out = new ArrayList<>();
        for (Record r : answer.getSection(Section.ANSWER)) {
            if (r.getType() == type && r.getName().equals(name)) {
                out.add(r);
            }
        }
        if (required && out.isEmpty()) {
            throw new IOException(
                    "no " + Type.string(type) + " RRset for " + name + " (" + Rcode.string(answer.getRcode()) + ")");
        }
        return out;
    }

    /** The DS RRset one parent server serves (authoritative answer, no recursion); empty for none. */
    private List<DSRecord> ds(InetSocketAddress server, Name child) throws IOException {
        Message answer = send(client(server), child, Type.DS, false);
        if (answer.getRcode() != Rcode.NOERROR) {
            throw new IOException("DS " + child + ": " + Rcode.string(answer.getRcode()));
        }
        if (!answer.getHeader().getFlag(Flags.AA)) {
            throw new IOException("DS " + child + ": not an authoritative answer (is it a server of the parent?)");
        }
        List<DSRecord> ds = new ArrayList<>();
        for (Record r : answer.getSection(Section.ANSWER)) {
            if (r instanceof DSRecord d && d.getName().equals(child)) {
                ds.add(d);
            }
        }
        return ds;
    }

    private Message send(SimpleResolver through, Name name, int type, boolean recurse) throws IOException {
        Message query = Message.newQuery(Record.newRecord(name, type, DClass.IN));
        if (!recurse) {
            query.getHeader().unsetFlag(Flags.RD);
        }
        try {
            return through.send(query);
        } catch (IOException e) {
            throw new IOException(
                    Type.string(type) + " " + name + " to " + through.getAddress() + ": " + e.getMessage(), e);
        }
    }

    private SimpleResolver client(InetSocketAddress server) {
        SimpleResolver r = new SimpleResolver(server);
        r.setTimeout(timeout);
        r.setEDNS(0, EDNS_BUFFER, 0, List.of());
        return r;
    }

    /** {@code host}, {@code host:port}, {@code [v6]:port} or a bare IPv6 address; port 53 by default. */
    static InetSocketAddress endpoint(String text) throws UnknownHostException {
        String t = text.trim();
        String host = t;
        int port = 53;
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("'" + text + "' is not HOST[:PORT]");
            }
            host = t.substring(1, close);
            if (t.length() > close + 1) {
                port = port(t.substring(close + 1), text);
            }
        } else if (t.indexOf(':') >= 0 && t.indexOf(':') == t.lastIndexOf(':')) {
            host = t.substring(0, t.indexOf(':'));
            port = port(t.substring(t.indexOf(':')), text);
        }
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }

    private static int port(String colonPort, String text) {
        try {
            int p = Integer.parseInt(colonPort.substring(1));
            if (p < 1 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + text + "' is not HOST[:PORT]");
        }
    }
}
