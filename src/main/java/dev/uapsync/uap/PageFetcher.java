package dev.uapsync.uap;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.core.retry.Retryable;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.BackOffExecution;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * Fetches a page through Spring Framework's {@link RetryTemplate}, asking again after a
 * failure that may pass ({@link UapException#isRetryable()}): exponential waits with
 * jitter, or the wait a {@code Retry-After} header asks for. Each retry logs one WARN
 * line with the page's offset, the cause, the attempt and the wait. A failure that cannot
 * pass (a rejected token, another 4xx) is thrown at once.
 *
 * <p>
 * Retrying here, around the HTTP call, rather than through the step's fault tolerance
 * keeps the reader's offset exact: the step never sees a failed read.
 *
 * <p>
 * Thread safe: each call keeps its attempts to itself.
 */
public class PageFetcher {

	private static final Log logger = LogFactory.getLog(PageFetcher.class);

	// how often a retry's wait looks whether the sync is stopping
	private static final long WAIT_SLICE_MILLIS = 100;

	private final UapClient client;

	private final int maxAttempts;

	private final Duration delay;

	private final Duration maxDelay;

	private final double multiplier;

	private final Duration maxRetryAfter;

	private final BooleanSupplier stopRequested;

	private final RequestPacer pacer;

	/**
	 * Creates a fetcher.
	 * @param client the client making each request
	 * @param maxAttempts the most requests for one page, the first included
	 * @param delay the wait before the first retry
	 * @param maxDelay the longest computed wait
	 * @param multiplier the factor by which each wait grows
	 * @param maxRetryAfter the longest wait a {@code Retry-After} header may ask for; a
	 * longer one fails the page at once
	 * @param stopRequested tells when the sync is stopping, so that no retry waits then
	 * @param pacer caps the request rate; every attempt waits for its turn
	 */
	public PageFetcher(UapClient client, int maxAttempts, Duration delay, Duration maxDelay, double multiplier,
			Duration maxRetryAfter, BooleanSupplier stopRequested, RequestPacer pacer) {
		this.client = client;
		this.maxAttempts = maxAttempts;
		this.delay = delay;
		this.maxDelay = maxDelay;
		this.multiplier = multiplier;
		this.maxRetryAfter = maxRetryAfter;
		this.stopRequested = stopRequested;
		this.pacer = pacer;
	}

	/**
	 * Fetches one page, retrying as configured.
	 * @param offset the {@code skip} value
	 * @param limit the {@code limit} value
	 * @return the page
	 * @throws UapException the last failure, when it cannot pass or the attempts are
	 * spent
	 */
	public UapPage fetch(long offset, int limit) {
		PageAttempts attempts = new PageAttempts(offset, limit);
		RetryPolicy policy = RetryPolicy.builder()
			.predicate((failure) -> failure instanceof UapException uap && uap.isRetryable())
			.backOff(attempts)
			.build();
		try {
			return new RetryTemplate(policy).execute(attempts);
		}
		catch (RetryException ex) {
			throw giveUp(ex, attempts);
		}
	}

	private static RuntimeException giveUp(RetryException ex, PageAttempts attempts) {
		Throwable last = ex.getCause();
		if (!(last instanceof UapException uap)) {
			return (last instanceof RuntimeException runtime) ? runtime : new IllegalStateException(last);
		}
		if (attempts.endedEarly != null) {
			return new UapException(attempts.endedEarly + ": " + uap.getMessage(), false, null, uap);
		}
		if (attempts.failures <= 1) {
			return uap;
		}
		return new UapException("Gave up after " + attempts.failures + " attempts: " + uap.getMessage(), false, null,
				uap);
	}

	/**
	 * The attempts at one page: the operation the template retries, and the back-off that
	 * knows the last failure, so it can honour {@code Retry-After} and log the retry.
	 */
	private final class PageAttempts implements Retryable<UapPage>, BackOff {

		private final long offset;

		private final int limit;

		private int failures;

		private @Nullable UapException lastFailure;

		/**
		 * Why the retries ended before the attempts were spent, if they did.
		 */
		private @Nullable String endedEarly;

		PageAttempts(long offset, int limit) {
			this.offset = offset;
			this.limit = limit;
		}

		@Override
		public UapPage execute() throws InterruptedException {
			PageFetcher.this.pacer.awaitTurn();
			try {
				return PageFetcher.this.client.fetch(this.offset, this.limit);
			}
			catch (UapException ex) {
				this.failures++;
				this.lastFailure = ex;
				throw ex;
			}
		}

		@Override
		public String getName() {
			return "UAP page at offset " + this.offset;
		}

		@Override
		public BackOffExecution start() {
			ExponentialBackOff exponential = new ExponentialBackOff(PageFetcher.this.delay.toMillis(),
					PageFetcher.this.multiplier);
			exponential.setMaxInterval(PageFetcher.this.maxDelay.toMillis());
			exponential.setJitter(PageFetcher.this.delay.toMillis() / 2);
			exponential.setMaxAttempts(PageFetcher.this.maxAttempts - 1);
			BackOffExecution computed = exponential.start();
			return () -> {
				long wait = computed.nextBackOff();
				if (wait == BackOffExecution.STOP || this.lastFailure == null) {
					return wait;
				}
				if (Thread.currentThread().isInterrupted()) {
					// a page fetched ahead, then discarded: no retry, no warning
					this.endedEarly = "The request for the page at offset " + this.offset + " was cancelled";
					return BackOffExecution.STOP;
				}
				if (PageFetcher.this.stopRequested.getAsBoolean()) {
					this.endedEarly = "Stopped before retrying the page at offset " + this.offset
							+ " (shutdown signal)";
					return BackOffExecution.STOP;
				}
				Duration asked = this.lastFailure.retryAfter();
				if (asked != null && asked.compareTo(PageFetcher.this.maxRetryAfter) > 0) {
					this.endedEarly = "The UAP asked to wait " + asked.toSeconds()
							+ " s before the next request, longer than UAP_RETRY_MAX_RETRY_AFTER="
							+ PageFetcher.this.maxRetryAfter.toSeconds() + " s allows: restart the sync later";
					return BackOffExecution.STOP;
				}
				if (asked != null) {
					wait = asked.toMillis();
				}
				logger.warn("Retrying the page at offset " + this.offset + " in " + wait + " ms (attempt "
						+ (this.failures + 1) + " of " + PageFetcher.this.maxAttempts + "): "
						+ this.lastFailure.getMessage());
				// waited here, in slices, so that a stop ends even a Retry-After of
				// minutes; the template then sleeps no more
				return waitUnlessStopped(wait) ? 0 : BackOffExecution.STOP;
			};
		}

		/**
		 * Waits the given time unless the sync is asked to stop or the thread is
		 * interrupted first.
		 * @return whether the whole wait passed
		 */
		private boolean waitUnlessStopped(long millis) {
			long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
			try {
				for (long left = millis; left > 0; left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())) {
					if (PageFetcher.this.stopRequested.getAsBoolean()) {
						this.endedEarly = "Stopped while waiting to retry the page at offset " + this.offset
								+ " (shutdown signal)";
						return false;
					}
					Thread.sleep(Math.min(left, WAIT_SLICE_MILLIS));
				}
				return true;
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				this.endedEarly = "The request for the page at offset " + this.offset + " was cancelled";
				return false;
			}
		}

	}

}
