package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.tandem.signer.publish.Cidr;

class EndpointAndCidrTest {
    @Test
    void parsesHostPortAndBracketedIpv6() {
        assertThat(Endpoint.parse("zk1.dc1:2181")).isEqualTo(new Endpoint("zk1.dc1", 2181));
        assertThat(Endpoint.parse("[2001:db8::1]:53")).isEqualTo(new Endpoint("2001:db8::1", 53));
        assertThat(Endpoint.parse("[2001:db8::1]:53").toString()).isEqualTo("[2001:db8::1]:53");
        assertThatThrownBy(() -> Endpoint.parse("[2001:db8::1]53")).hasMessageContaining("is not [IPv6]:port");
        assertThatThrownBy(() -> Endpoint.parse(":53")).hasMessageContaining("is not host:port");
        assertThatThrownBy(() -> Endpoint.parse("host:123456")).hasMessageContaining("is not a number");
    }

    @Test
    void matchesAddressesInsideTheNetworkOnly() throws Exception {
        Cidr v6 = Cidr.parse("2001:db8:aa00::/40");
        assertThat(v6.contains(InetAddress.getByName("2001:db8:aaff::1"))).isTrue();
        assertThat(v6.contains(InetAddress.getByName("2001:db8:ab00::1"))).isFalse();
        assertThat(v6.contains(InetAddress.getByName("192.0.2.1"))).isFalse();
        Cidr v4 = Cidr.parse("10.0.0.0/9");
        assertThat(v4.contains(InetAddress.getByName("10.127.255.255"))).isTrue();
        assertThat(v4.contains(InetAddress.getByName("10.128.0.0"))).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").contains(InetAddress.getByName("203.0.113.9")))
                .isTrue();
        assertThat(Cidr.parse("192.0.2.7").prefixLength()).isEqualTo(32);
    }

    @Test
    void refusesNamesAndHostBits() {
        assertThatThrownBy(() -> Cidr.parse("localhost")).hasMessageContaining("is not an IP address or network");
        assertThatThrownBy(() -> Cidr.parse("2001:db8::1/32"))
                .hasMessageContaining("the network is 2001:db8:0:0:0:0:0:0/32");
        assertThatThrownBy(() -> Cidr.parse("192.0.2.0/x")).hasMessageContaining("prefix 'x' is not a number");
    }
}
