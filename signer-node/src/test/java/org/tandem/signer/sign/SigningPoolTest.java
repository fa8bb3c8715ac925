package org.tandem.signer.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.SigningException;

class SigningPoolTest {
    private static final ZoneName ZONE = ZoneName.of("example.test.");

    @Test
    void handsEveryResultToTheCallingThread() throws SigningException {
        List<SigningPool.Task<Integer>> tasks = new ArrayList<>();
        List<String> workers = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 20; i++) {
            int n = i;
            tasks.add(() -> {
                workers.add(Thread.currentThread().getName());
                return n;
            });
        }
        List<Integer> got = new ArrayList<>();
        Thread caller = Thread.currentThread();
        SigningPool.run(ZONE, "signing", "signer", 3, tasks, r -> {
            assertThat(Thread.currentThread()).isSameAs(caller);
            got.add(r);
        });
        assertThat(got)
                .containsExactlyInAnyOrderElementsOf(
                        List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19));
        assertThat(workers).allSatisfy(w -> assertThat(w).startsWith("signer-example.test.-"));
    }

    @Test
    void rethrowsATasksSigningExceptionAsItIs() {
        SigningException failure = new SigningException("zone example.test.: key 12345 refused");
        List<SigningPool.Task<Void>> tasks = List.of(() -> null, () -> {
            throw failure;
        });
        assertThatThrownBy(() -> SigningPool.run(ZONE, "signing", "signer", 2, tasks, r -> {}))
                .isSameAs(failure);
    }

    @Test
    void rethrowsATasksErrorAsItIsNotWrapped() {
        AssertionError error = new AssertionError("out of memory, say");
        List<SigningPool.Task<Void>> tasks = List.of(() -> {
            throw error;
        });
        assertThatThrownBy(() -> SigningPool.run(ZONE, "re-signing", "resigner", 2, tasks, r -> {}))
                .isSameAs(error);
    }

    @Test
    void failsTheRunWhenTheCallerIsInterrupted() {
        List<SigningPool.Task<Void>> tasks = List.of(() -> null);
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> SigningPool.run(ZONE, "re-signing", "resigner", 1, tasks, r -> {}))
                    .isInstanceOf(SigningException.class)
                    .hasMessageContaining("zone example.test.: re-signing interrupted");
            assertThat(Thread.currentThread().isInterrupted())
                    .as("the interrupt flag is restored")
                    .isTrue();
        } finally {
            Thread.interrupted();
        }
    }
}
