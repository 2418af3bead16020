package dev.uapsync;

import java.util.concurrent.CountDownLatch;

/**
 * Turns SIGTERM (a deploy, {@code docker stop}, Kubernetes) into a graceful stop: the JVM
 * shutdown hook asks the running sync to stop before its next page (and a schedule to
 * end), waits until the command has reported the outcome, then ends the JVM with the
 * command's exit code (1 for a STOPPED sync) rather than the signal's.
 *
 * <p>
 * Spring Boot's own shutdown hook is turned off for this, since it would close the data
 * source under the chunk in progress.
 */
final class ShutdownSignal {

	private final Thread hook;

	private final CountDownLatch reported = new CountDownLatch(1);

	private volatile int exitCode = CommandLine.FAILED;

	private volatile boolean received;

	/**
	 * Creates a signal handler.
	 * @param onSignal what to do when the signal comes: stop the running sync (and the
	 * schedule), without waiting
	 */
	ShutdownSignal(Runnable onSignal) {
		this.hook = new Thread(() -> {
			this.received = true;
			try {
				onSignal.run();
			}
			catch (RuntimeException ex) {
				// the sync then ends as it would have; the exit code is still the
				// command's
			}
			try {
				this.reported.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			Runtime.getRuntime().halt(this.exitCode);
		}, "uap-user-sync-shutdown");
	}

	void register() {
		Runtime.getRuntime().addShutdownHook(this.hook);
	}

	boolean received() {
		return this.received;
	}

	/**
	 * Reports the command's outcome: ends the JVM with it when a signal is being handled,
	 * else removes the hook.
	 * @param code the exit code
	 */
	void reported(int code) {
		this.exitCode = code;
		this.reported.countDown();
		try {
			Runtime.getRuntime().removeShutdownHook(this.hook);
		}
		catch (IllegalStateException shuttingDown) {
			// the hook is running and ends the JVM with the code just reported
		}
	}

}
