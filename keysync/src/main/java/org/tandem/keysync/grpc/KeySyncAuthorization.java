package org.tandem.keysync.grpc;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusException;
import java.time.Clock;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.audit.AuditEvent;
import org.tandem.keysync.audit.AuditLog;
import org.tandem.keysync.audit.AuditLogException;
import org.tandem.keysync.audit.AuditOperation;
import org.tandem.keysync.audit.AuditOutcome;
import org.tandem.proto.keysync.v1.KeySyncGrpc;

/**
 * Who may call which {@code KeySync} method, by the roles ({@link CallerRole}) of the caller's
 * verified certificate:
 *
 * <ul>
 *   <li>{@code Inventory}, {@code GetKekStatus}, {@code ExportWrappedKey}, {@code ImportWrappedKey}:
 *       {@code OU=node} (a peer) or {@code OU=coordinator};
 *   <li>{@code GenerateKey}, {@code InitKek}, {@code BeginKekEnrolment}, {@code ExportKek}, {@code
 *       CompleteKekEnrolment}: {@code OU=coordinator} only (it acts on an operator's order);
 *   <li>a certificate without a role, or with {@code OU=operator} only, reaches none of them.
 * </ul>
 *
 * <p>A denied call is closed with {@code PERMISSION_DENIED} (with a {@code google.rpc.ErrorInfo} of
 * reason {@code PERMISSION_DENIED}) naming the caller's CN, its roles, the method and what it needs;
 * it is logged and written to the node's audit log as a {@code REFUSED} line of the method's
 * operation, and never reaches the service. When that line cannot be written the call is closed
 * with {@code INTERNAL} instead (refused all the same).
 *
 * <p>Contracts: {@link KeySyncService#bindService()} installs it on the service itself, so wherever
 * KeySync is served (its own {@link KeySyncServer} or a node's shared server) the rules hold. It
 * runs after {@link CallerIdentity} ({@link MtlsServers} puts that first), so the caller is known; a
 * call without a caller identity is closed with {@code UNAUTHENTICATED} and not audited. Stateless
 * apart from the audit log; thread-safe.
 */
public final class KeySyncAuthorization implements ServerInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(KeySyncAuthorization.class);
    private static final Set<CallerRole> PEERS = EnumSet.of(CallerRole.NODE, CallerRole.COORDINATOR);
    private static final Set<CallerRole> COORDINATOR = EnumSet.of(CallerRole.COORDINATOR);

    /** What a method needs, and the audit operation a refusal is written under. */
    private record Rule(Set<CallerRole> roles, AuditOperation operation) {}

    private static final Map<String, Rule> RULES = Map.of(
            KeySyncGrpc.getInventoryMethod().getFullMethodName(), new Rule(PEERS, AuditOperation.VERIFY),
            KeySyncGrpc.getGetKekStatusMethod().getFullMethodName(), new Rule(PEERS, AuditOperation.VERIFY),
            KeySyncGrpc.getExportWrappedKeyMethod().getFullMethodName(), new Rule(PEERS, AuditOperation.WRAP),
            KeySyncGrpc.getImportWrappedKeyMethod().getFullMethodName(), new Rule(PEERS, AuditOperation.UNWRAP),
            KeySyncGrpc.getGenerateKeyMethod().getFullMethodName(), new Rule(COORDINATOR, AuditOperation.GENERATE),
            KeySyncGrpc.getInitKekMethod().getFullMethodName(), new Rule(COORDINATOR, AuditOperation.KEK_INIT),
            KeySyncGrpc.getBeginKekEnrolmentMethod().getFullMethodName(),
                    new Rule(COORDINATOR, AuditOperation.KEK_ENROL),
            KeySyncGrpc.getExportKekMethod().getFullMethodName(), new Rule(COORDINATOR, AuditOperation.KEK_ENROL),
            KeySyncGrpc.getCompleteKekEnrolmentMethod().getFullMethodName(),
                    new Rule(COORDINATOR, AuditOperation.KEK_ENROL));

    private final String node;
    private final AuditLog audit;
    private final Clock clock;
    private final String actorPrefix;

    /**
     * @param node the node's name, for messages
     * @param audit the node's audit log (refusals are written to it); not owned
     * @param clock the time of audit lines
     * @param actorPrefix who serves, for the audit log; each line's actor is this, the method and
     *     {@code caller=<CN>}
     */
    KeySyncAuthorization(String node, AuditLog audit, Clock clock, String actorPrefix) {
        this.node = Objects.requireNonNull(node, "node");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.actorPrefix = Objects.requireNonNull(actorPrefix, "actorPrefix");
    }

    /**
     * The roles of which a caller needs one to call the method, e.g. {@code
     * tandem.keysync.v1.KeySync/ExportKek}; empty for a method that is not KeySync's.
     */
    public static Optional<Set<CallerRole>> required(String fullMethodName) {
        return Optional.ofNullable(RULES.get(fullMethodName)).map(r -> Set.copyOf(r.roles()));
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
            ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        MethodDescriptor<ReqT, RespT> descriptor = call.getMethodDescriptor();
        String method = descriptor.getFullMethodName();
        String caller = CallerIdentity.CURRENT.get();
        if (caller == null) {
            // MtlsServers always sets it; without it the service was wired up without mutual TLS.
            LOG.warn("grpc method={} refused: no caller identity (not served through MtlsServers)", method);
            call.close(
                    Status.UNAUTHENTICATED.withDescription(
                            "no verified client certificate; KeySync is served only over mutual TLS"),
                    new Metadata());
            return new ServerCall.Listener<>() {};
        }
        Set<CallerRole> roles = Optional.ofNullable(CallerIdentity.ROLES.get()).orElse(Set.of());
        Rule rule = RULES.get(method);
        if (rule != null && roles.stream().anyMatch(rule.roles()::contains)) {
            return next.startCall(call, headers);
        }
        String needs =
                rule == null ? "it is not a KeySync method" : "it needs a certificate with " + needs(rule.roles());
        String what = "caller " + caller + " (roles " + roles + ") may not call " + method + " on node " + node + ": "
                + needs;
        LOG.warn(
                "grpc call denied node={} method={} caller={} roles={} needs={}",
                node,
                method,
                caller,
                roles,
                rule == null ? "-" : needs(rule.roles()));
        StatusException denied = Failure.of(Failure.Reason.PERMISSION_DENIED).because(what);
        try {
            audit.append(new AuditEvent(
                    clock.instant(),
                    rule == null ? AuditOperation.VERIFY : rule.operation(),
                    "",
                    "",
                    "",
                    null,
                    "",
                    AuditOutcome.REFUSED,
                    "PERMISSION_DENIED: " + what,
                    actorPrefix + " " + descriptor.getBareMethodName() + " caller=" + caller));
        } catch (AuditLogException e) {
            LOG.error(
                    "node={} audit log unwritable, denial of method={} caller={} not audited: {}",
                    node,
                    method,
                    caller,
                    e.getMessage());
            denied = Failure.of(Failure.Reason.AUDIT_FAILED)
                    .because("node " + node + " cannot write its audit log (see"
                            + " the node's log); the call was refused all the same: " + what);
        }
        call.close(denied.getStatus(), denied.getTrailers() == null ? new Metadata() : denied.getTrailers());
        return new ServerCall.Listener<>() {};
    }

    /** {@code OU=node or OU=coordinator}, in the enum's order. */
    private static String needs(Set<CallerRole> roles) {
        return EnumSet.copyOf(roles).stream()
                .map(r -> "OU=" + r.organizationalUnit())
                .collect(Collectors.joining(" or "));
    }
}
