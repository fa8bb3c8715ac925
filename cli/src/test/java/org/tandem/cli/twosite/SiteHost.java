package org.tandem.cli.twosite;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ContainerNetwork;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * One machine of the two-site test: a container with its own file system, its own host name, and a
 * fixed address on each network it is plugged into, the same host number on every network
 * ({@code 10.213.N.<hostNumber>}). It is created on its site's network (the LAN of its data centre)
 * and, before it starts, also plugged into its other networks (the WAN between the sites), as a
 * machine with two interfaces behind a router would be.
 *
 * <p>Unplugging ({@link #disconnect}) removes the interface from the running container, as a pulled
 * cable or a dead switch port: packets to and from that address are dropped, nothing is told to
 * the processes. Plugging back restores the same address and name.
 */
final class SiteHost extends GenericContainer<SiteHost> {
    private final String name;
    private final String site;
    private final int hostNumber;
    private final List<Lan> extra;
    private final Set<Lan> plugged = new LinkedHashSet<>();

    /** A network: its Docker name and its /24 prefix ({@code 10.213.N}). */
    record Lan(String label, String dockerName, String prefix) {
        Lan {
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(dockerName, "dockerName");
            Objects.requireNonNull(prefix, "prefix");
        }

        String address(int hostNumber) {
            return prefix + "." + hostNumber;
        }
    }

    SiteHost(String image, String name, String site, int hostNumber, Lan home, List<Lan> extra) {
        super(DockerImageName.parse(image));
        this.name = Objects.requireNonNull(name, "name");
        this.site = Objects.requireNonNull(site, "site");
        this.hostNumber = hostNumber;
        this.extra = List.copyOf(extra);
        // local images only: nothing is ever pulled (no registry is reachable)
        withImagePullPolicy(imageName -> false);
        withNetworkMode(home.dockerName());
        withCreateContainerCmdModifier(
                cmd -> cmd.withHostName(name).withAliases(name).withIpv4Address(home.address(hostNumber)));
        plugged.add(home);
    }

    String name() {
        return name;
    }

    String site() {
        return site;
    }

    int hostNumber() {
        return hostNumber;
    }

    /** The networks the host is plugged into now. */
    synchronized Set<Lan> plugged() {
        return Set.copyOf(plugged);
    }

    @Override
    protected void containerIsCreated(String containerId) {
        super.containerIsCreated(containerId);
        for (Lan lan : extra) {
            connect(lan, containerId);
        }
    }

    /** Plugs the host into {@code lan} with its fixed address and name (also while it runs). */
    synchronized void connect(Lan lan) {
        connect(lan, getContainerId());
    }

    private synchronized void connect(Lan lan, String containerId) {
        client().connectToNetworkCmd()
                .withNetworkId(lan.dockerName())
                .withContainerId(containerId)
                .withContainerNetwork(new ContainerNetwork()
                        .withAliases(name)
                        .withIpamConfig(new ContainerNetwork.Ipam().withIpv4Address(lan.address(hostNumber))))
                .exec();
        plugged.add(lan);
    }

    /** Unplugs the host from {@code lan}. */
    synchronized void disconnect(Lan lan) {
        client().disconnectFromNetworkCmd()
                .withNetworkId(lan.dockerName())
                .withContainerId(getContainerId())
                .withForce(true)
                .exec();
        plugged.remove(lan);
    }

    private static DockerClient client() {
        return DockerClientFactory.instance().client();
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
