package org.tandem.coordinator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.tandem.keysync.hsm.pkcs11.Pkcs11JvmFlags;

/**
 * A signer-node daemon in its own JVM ({@code SignerNodeMain --config FILE}) with the test's class
 * path and the SoftHSM2 environment of the token pool, its output in a log file (as signer-node's
 * ClusterIT starts them).
 */
final class NodeJvm implements AutoCloseable {
    private final String name;
    private final Path log;
    private final Process process;

    private NodeJvm(String name, Path log, Process process) {
        this.name = name;
        this.log = log;
        this.process = process;
    }

    static NodeJvm start(String name, Path config, Map<String, String> env, Path logDir) throws IOException {
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                Pkcs11JvmFlags.ADD_EXPORTS, "-Xmx256m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-cp", System.getProperty("java.class.path"), "org.tandem.signer.node.SignerNodeMain", "--config",
                config.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        return new NodeJvm(name, log, pb.start());
    }

    String name() {
        return name;
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}
