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

/**
 * Fetches the pages ahead of the reader with up to {@code concurrency} requests in
 * flight, and hands them out strictly in order, so the reader, its offset and its restart
 * state stay exactly as with one request at a time. Each page handed out is followed at
 * once by the request for the next, which then runs while the page's users are handed out
 * and, after a chunk's last page, while the chunk is processed and written: with a
 * concurrency of 1 the UAP still gets one request at a time, each sent after the answer
 * before, but the sync does not wait for the UAP and the database in turn. Within a chunk
 * of several pages the reader still waits for each answer; a higher concurrency asks
 * further ahead. The next page's offset is known exactly from the page just received; the
 * pages beyond it (with a concurrency above 1) are a guess, one stride (users per page)
 * further on each. The stride starts at the page size and drops to what the UAP really
 * sends when it clamps {@code limit}; a page that lands elsewhere than guessed discards
 * the guesses in flight, which are then fetched again from the right offset. A failed
 * page fails when its turn comes, not before.
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

	private final ExecutorService executor;

	private final Deque<Pending> inFlight = new ArrayDeque<>();

	private long stride;

	PagePrefetch(PageFetcher pages, int pageSize, int concurrency) {
		this.pages = pages;
		this.pageSize = pageSize;
		this.concurrency = concurrency;
		this.stride = pageSize;
		this.executor = Executors.newFixedThreadPool(concurrency, daemonThreads());
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
		if (received >= 2 && skip + received < page.total()) {
			// the reader goes on at skip + received, asking one user early
			fill(skip + received - 1, page.total());
		}
		return page;
	}

	/**
	 * Sends requests until {@code concurrency} are in flight: the first at {@code skip}
	 * when none is, each further one a stride past the last.
	 */
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
	 * Drops the pages fetched ahead: the requests not yet sent are cancelled, and those
	 * under way are left to end (5 seconds at the most, then interrupted), so that no
	 * request of this prefetch reaches the UAP after it is closed.
	 */
	@Override
	public void close() {
		this.inFlight.forEach((pending) -> pending.page().cancel(false));
		this.inFlight.clear();
		this.executor.shutdown();
		try {
			if (!this.executor.awaitTermination(5, TimeUnit.SECONDS)) {
				this.executor.shutdownNow();
				this.executor.awaitTermination(5, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			this.executor.shutdownNow();
			Thread.currentThread().interrupt();
		}
	}

	private record Pending(long skip, Future<UapPage> page) {

	}

}
