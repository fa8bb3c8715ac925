package org.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Ansible deployment under {@code ansible/} as the operators' tools judge it: {@code ansible-lint}
 * (the production profile, {@code ansible/.ansible-lint}) passes, and {@code ansible-playbook
 * --syntax-check} accepts every playbook against both inventories (the example and bin/deploy-test's
 * lab). Needs Debian's {@code ansible} and {@code ansible-lint} ({@code bin/install-deps --tests}); a
 * failure prints the tool's whole output. Running the playbooks against hosts is {@code bin/deploy-test}.
 */
class AnsibleDeploymentIT {
    private static final List<String> PLAYBOOKS = List.of("site.yml", "failover.yml", "enrol_hsm.yml", "upgrade.yml");
    private static final List<String> INVENTORIES = List.of("inventories/example", "inventories/deploy-test/hosts.yml");

    private final Path ansible = RepositoryTree.root().resolve("ansible");

    @Test
    void ansibleLintPassesWithTheProductionProfile() throws Exception {
        Run lint = run(List.of("ansible-lint", "--nocolor"));

        assertThat(lint.exit())
                .as("ansible-lint in %s:%n%s", ansible, lint.output())
                .isZero();
        assertThat(lint.output()).as(lint.output()).contains("Passed with production profile");
    }

    @Test
    void everyPlaybookPassesTheSyntaxCheckAgainstBothInventories() throws Exception {
        for (String inventory : INVENTORIES) {
            for (String playbook : PLAYBOOKS) {
                List<String> command =
                        new ArrayList<>(List.of("ansible-playbook", "--syntax-check", "-i", inventory, playbook));
                if (playbook.equals("enrol_hsm.yml")) {
                    command.addAll(List.of("-e", "enrol_host=any-signer"));
                }
                Run check = run(command);

                assertThat(check.exit())
                        .as("%s:%n%s", String.join(" ", command), check.output())
                        .isZero();
                assertThat(check.output()).as(check.output()).contains("playbook: " + playbook);
            }
        }
    }

    private record Run(int exit, String output) {}

    /** Runs {@code command} in {@code ansible/}, stdout and stderr together, with a deadline. */
    private Run run(List<String> command) throws IOException, InterruptedException {
        Path log = Files.createTempFile("ansible-check", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(command)
                    .directory(ansible.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().put("ANSIBLE_NOCOLOR", "1");
            pb.environment().put("ANSIBLE_FORCE_COLOR", "0");
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new AssertionError(
                        command.get(0)
                                + " is not installed: bin/install-deps --tests installs ansible and ansible-lint",
                        e);
            }
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within 5 minutes:\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
