package org.tandem.signer.lifecycle;

import org.tandem.keysync.key.ZoneName;

/**
 * Asks the parent for the zone's DS RRset ({@code parent.check: resolver}): every name server of the
 * parent zone, one by one, as Knot's DS submission check does. Thread-safe implementations only.
 */
@FunctionalInterface
public interface ParentDs {
    /**
     * What each name server of the zone's parent serves as the zone's DS RRset.
     *
     * @param resolver {@code host[:port]} of the resolver that finds the parent's name servers and their
     *     addresses
     */
    ParentDsAnswer ask(ZoneName zone, String resolver);

    /** For agents that are never given {@code check: resolver} (tests, tools): every ask fails, saying so. */
    ParentDs NONE = (zone, resolver) -> ParentDsAnswer.failed(zone, "no parent DS probe in this process");
}
