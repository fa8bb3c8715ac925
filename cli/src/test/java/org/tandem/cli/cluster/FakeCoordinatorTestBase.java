package org.tandem.cli.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.cli.SignerctlRun;
import org.tandem.cli.Terminal;

/**
 * What every test of the cluster commands starts from: a {@link FakeCoordinator} served over real mutual
 * TLS with an operator certificate and {@code signerctl.yaml} in a fresh directory, and {@code signerctl}
 * run in-process with its output kept in {@link #out} and {@link #err}.
 */
abstract class FakeCoordinatorTestBase {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String FP_KSK = "1a".repeat(32);
    static final String FP_ZSK = "2b".repeat(32);
    static final String FP_OTHER = "3c".repeat(32);

    @TempDir
    Path dir;

    FakeCoordinator coordinator;
    /** The operator's {@code signerctl.yaml}, pointing at the coordinator. */
    Path config;

    String out;
    String err;

    @BeforeEach
    void coordinatorAndOperatorCertificate() throws Exception {
        coordinator = FakeCoordinator.withOperator(dir);
        config = dir.resolve("signerctl.yaml");
    }

    @AfterEach
    void stopCoordinator() {
        coordinator.close();
    }

    /** Runs signerctl with {@code args}; confirmation prompts go to {@code terminal}; returns the exit code. */
    int run(Terminal terminal, String... args) {
        SignerctlRun r = SignerctlRun.on(terminal, args);
        out = r.out();
        err = r.err();
        return r.code();
    }

    /** Runs signerctl with {@code args} on no terminal (a prompt gets no answer). */
    int run(String... args) {
        return run(prompt -> Optional.empty(), args);
    }
}
