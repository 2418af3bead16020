package dev.uapsync.uap;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Caps the rate of requests to the UAP ({@code uap.rate-limit}): each request waits until
 * its turn, one interval after the previous one. Retries count as requests. Thread safe.
 */
public class RequestPacer {

	private final long intervalNanos;

	private final LongSupplier nanoClock;

	private final Sleeper sleeper;

	private long nextTurn = Long.MIN_VALUE;

	/**
	 * Creates a pacer on the system clock.
	 * @param requestsPerSecond the most requests per second; 0 for no limit
	 */
	public RequestPacer(double requestsPerSecond) {
		this(requestsPerSecond, System::nanoTime, (nanos) -> TimeUnit.NANOSECONDS.sleep(nanos));
	}

	RequestPacer(double requestsPerSecond, LongSupplier nanoClock, Sleeper sleeper) {
		this.intervalNanos = (requestsPerSecond > 0) ? (long) (Duration.ofSeconds(1).toNanos() / requestsPerSecond) : 0;
		this.nanoClock = nanoClock;
		this.sleeper = sleeper;
	}

	/**
	 * Waits until the next request may go.
	 * @throws InterruptedException when interrupted while waiting
	 */
	public synchronized void awaitTurn() throws InterruptedException {
		if (this.intervalNanos == 0) {
			return;
		}
		long now = this.nanoClock.getAsLong();
		if (this.nextTurn != Long.MIN_VALUE && now < this.nextTurn) {
			this.sleeper.sleep(this.nextTurn - now);
			now = this.nextTurn;
		}
		this.nextTurn = now + this.intervalNanos;
	}

	/**
	 * Sleeps; replaced in tests so that they need not wait.
	 */
	@FunctionalInterface
	interface Sleeper {

		void sleep(long nanos) throws InterruptedException;

	}

}
