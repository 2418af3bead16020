package dev.uapsync.uap;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

/**
 * Fetches the pages ahead of the reader with up to {@code concurrency} requests in
 * flight, and hands them out strictly in order, so the reader, its offset and its restart
 * state stay exactly as with one request at a time. Prefetching is a guess: the next page
 * is expected one stride (users per page) further on. The stride starts at the page size
 * and drops to what the UAP really sends when it clamps {@code limit}; a page that lands
 * elsewhere than guessed discards the guesses in flight, which are then fetched again
 * from the right offset. A failed page fails when its turn comes, not before.
 *
 * <p>
 * Pages after the first are asked for one user early, at {@code offset - 1}, so that each
 * begins with the last user of the page before ({@link UapUserReader} checks it): a page
 * of {@code n} users moves the next one {@code n - 1} further on.
 *
 * <p>
 * Not thread safe: the reader's thread calls it; the requests run on its own threads.
 */
final class PagePrefetch implements AutoCloseable {

	private final PageFetcher pages;

	private final int pageSize;

	private final int concurrency;

	private final @Nullable ExecutorService executor;

	private final Deque<Pending> inFlight = new ArrayDeque<>();

	private long stride;

	PagePrefetch(PageFetcher pages, int pageSize, int concurrency) {
		this.pages = pages;
		this.pageSize = pageSize;
		this.concurrency = concurrency;
		this.stride = pageSize;
		this.executor = (concurrency > 1) ? Executors.newFixedThreadPool(concurrency, daemonThreads()) : null;
	}

	private static ThreadFactory daemonThreads() {
		AtomicInteger count = new AtomicInteger();
		return (task) -> {
			Thread thread = new Thread(task, "uap-page-" + count.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		};
	}

	/**
	 * Returns the page for an offset: asked for at {@code offset - 1} when the offset is
	 * past 0, so that it begins with the user before.
	 * @param offset the offset the reader has reached
	 * @param total the UAP's last known {@code total}, or -1; no page is fetched ahead
	 * past it
	 * @return the page
	 */
	UapPage fetch(long offset, long total) {
		long skip = Math.max(0, offset - 1);
		if (this.executor == null) {
			return this.pages.fetch(skip, this.pageSize);
		}
		Pending head = this.inFlight.peekFirst();
		if (head == null || head.skip() != skip) {
			cancelAll();
		}
		fill(skip, total);
		UapPage page = get(this.inFlight.removeFirst().page());
		int received = page.users().size();
		if (received == this.pageSize) {
			// a whole page: a smaller stride came from a one-off short page
			this.stride = this.pageSize;
		}
		else if (received > 0 && received < this.stride) {
			// the UAP clamps limit (or this was the last page): the guesses in flight are
			// off
			this.stride = Math.max(received, 2);
			cancelAll();
		}
		return page;
	}

	private void fill(long skip, long total) {
		long next = this.inFlight.isEmpty() ? skip : this.inFlight.peekLast().skip() + this.stride - 1;
		// a page at total - 1 or later would bring no user not seen before
		while (this.inFlight.size() < this.concurrency && (this.inFlight.isEmpty() || total < 0 || next + 1 < total)) {
			long at = next;
			this.inFlight.addLast(new Pending(at, this.executor.submit(() -> this.pages.fetch(at, this.pageSize))));
			next += this.stride - 1;
		}
	}

	private static UapPage get(Future<UapPage> page) {
		try {
			return page.get();
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof RuntimeException runtime) {
				throw runtime;
			}
			throw new IllegalStateException(ex.getCause());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for a page", ex);
		}
	}

	private void cancelAll() {
		this.inFlight.forEach((pending) -> pending.page().cancel(true));
		this.inFlight.clear();
	}

	/**
	 * Cancels the pages in flight and waits (a few seconds at most) until no request of
	 * this prefetch is left running.
	 */
	@Override
	public void close() {
		cancelAll();
		if (this.executor != null) {
			this.executor.shutdownNow();
			try {
				this.executor.awaitTermination(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	private record Pending(long skip, Future<UapPage> page) {

	}

}
