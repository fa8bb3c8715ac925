package org.tandem.signer.grpc;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.node.NodeControl;
import org.tandem.signer.node.NodeControlException;
import org.tandem.signer.node.NodeStatus;
import org.tandem.signer.node.SelfTestResult;
import org.tandem.signer.node.StepDownOrder;
import org.tandem.signer.node.StepDownResult;

/**
 * A {@link NodeControl} that answers what the test set and records every call that reached it,
 * standing in for the daemon (which is composed in a later step) so that the tests can see exactly
 * what the gRPC boundary passed through or kept out.
 */
final class ScriptedNodeControl implements NodeControl {
    final AtomicReference<NodeStatus> status = new AtomicReference<>();
    final AtomicReference<SelfTestResult> selfTest = new AtomicReference<>();
    final AtomicReference<StepDownResult> stepDown = new AtomicReference<>();
    /** Thrown by selfTest and stepDown instead of answering, when set. */
    final AtomicReference<NodeControlException> failure = new AtomicReference<>();

    final AtomicInteger statusCalls = new AtomicInteger();
    final AtomicInteger selfTestCalls = new AtomicInteger();
    final List<StepDownOrder> orders = new CopyOnWriteArrayList<>();
    final List<List<ZoneName>> reloads = new CopyOnWriteArrayList<>();

    @Override
    public NodeStatus status() {
        statusCalls.incrementAndGet();
        return status.get();
    }

    @Override
    public SelfTestResult selfTest() throws NodeControlException {
        selfTestCalls.incrementAndGet();
        if (failure.get() != null) {
            throw failure.get();
        }
        return selfTest.get();
    }

    @Override
    public StepDownResult stepDown(StepDownOrder order) throws NodeControlException {
        orders.add(order);
        if (failure.get() != null) {
            throw failure.get();
        }
        return stepDown.get();
    }

    @Override
    public void reload(List<ZoneName> zones) throws NodeControlException {
        reloads.add(List.copyOf(zones));
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    int calls() {
        return statusCalls.get() + selfTestCalls.get() + orders.size() + reloads.size();
    }
}
