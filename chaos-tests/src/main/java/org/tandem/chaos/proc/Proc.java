package org.tandem.chaos.proc;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.tandem.chaos.net.Host;

/** One process of the harness on one host. */
public final class Proc {
    private final String name;
    private final Host host;
    private final Process process;
    private final Path log;
    private volatile boolean paused;

    Proc(String name, Host host, Process process, Path log) {
        this.name = name;
        this.host = host;
        this.process = process;
        this.log = log;
    }

    public String name() {
        return name;
    }

    public Host host() {
        return host;
    }

    public Process process() {
        return process;
    }

    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** {@code kill -9}, and waits for the exit. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
    }

    /** SIGTERM, SIGKILL after {@code seconds}. */
    public void stop(int seconds) throws InterruptedException {
        resume();
        process.destroy();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            kill();
        }
    }

    /** {@code kill -STOP}: the process freezes, as in a long GC pause or a hung VM. */
    public void pause() {
        signal("STOP");
        paused = true;
    }

    /** {@code kill -CONT}. */
    public void resume() {
        if (paused) {
            signal("CONT");
            paused = false;
        }
    }

    private void signal(String sig) {
        try {
            Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid()))
                    .redirectErrorStream(true)
                    .start();
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new IllegalStateException("kill -" + sig + " " + pid() + " (" + name + "): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name + "@" + host.name() + " pid " + pid();
    }
}
