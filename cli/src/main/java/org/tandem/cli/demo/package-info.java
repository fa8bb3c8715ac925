/**
 * The demos, told with the real commands. {@link org.tandem.cli.demo.DemoCommand} ({@code signerctl
 * demo}) picks one of its modes: the story ({@link org.tandem.cli.demo.DemoStory}), the takeover
 * benchmark after it ({@link org.tandem.cli.demo.TakeoverRounds}), the cluster left running ({@link
 * org.tandem.cli.demo.KeepRunningDemo}) and stopping it ({@link org.tandem.cli.demo.DemoProcesses});
 * the cluster they share is a {@link org.tandem.cli.demo.DemoCluster}. {@link
 * org.tandem.cli.demo.KeysyncDemoCommand} ({@code demo-keysync}) tells the keysync story on three
 * tokens. {@link org.tandem.cli.demo.DemoNarrator} runs each step as a child {@code signerctl} and shows
 * it as an operator would type it.
 *
 * <p>Rules: every step an operator would take is a real {@code signerctl} child process (through the
 * {@code lab}), never a call into a command class; every process started is stopped before the
 * command returns, except with {@code --keep-running}, which records each in the pid file.
 */
package org.tandem.cli.demo;
