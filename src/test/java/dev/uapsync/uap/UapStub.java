package dev.uapsync.uap;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongUnaryOperator;

import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;

/**
 * A scripted UAP for {@link mockwebserver3.MockWebServer}: serves users
 * {@code 13800000000 + i} from a list whose size may change between requests and from
 * which users may be removed, clamps {@code limit}, and records every {@code skip} asked
 * for.
 */
class UapStub extends Dispatcher {

	private volatile int users;

	private final int maxLimit;

	private volatile LongUnaryOperator reportedTotal = (total) -> total;

	private final Set<Long> removed = new ConcurrentSkipListSet<>();

	final List<Long> skips = new CopyOnWriteArrayList<>();

	/**
	 * The {@code total} reported by the page at a skip, instead of the real one.
	 */
	final Map<Long, Long> totalAt = new ConcurrentHashMap<>();

	/**
	 * What to change once the page at a skip has been made, before it is answered and so
	 * before any later request, however early the reader asks for the next page.
	 */
	final Map<Long, Runnable> afterServing = new ConcurrentHashMap<>();

	private final AtomicInteger inFlight = new AtomicInteger();

	/**
	 * The most requests this stub was answering at once.
	 */
	final AtomicInteger mostInFlight = new AtomicInteger();

	private volatile long answerMs;

	UapStub(int users, int maxLimit) {
		this.users = users;
		this.maxLimit = maxLimit;
	}

	void users(int users) {
		this.users = users;
	}

	/**
	 * Removes a user from the list: the users after it move up one place.
	 */
	void remove(long index) {
		this.removed.add(index);
	}

	void restore(long index) {
		this.removed.remove(index);
	}

	/**
	 * Makes every answer take a while, so that requests sent before the last was answered
	 * show in {@link #mostInFlight}.
	 */
	void answerMs(long answerMs) {
		this.answerMs = answerMs;
	}

	void reportTotal(LongUnaryOperator reportedTotal) {
		this.reportedTotal = reportedTotal;
	}

	static String mobile(long index) {
		return String.valueOf(13800000000L + index);
	}

	@Override
	public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
		this.mostInFlight.accumulateAndGet(this.inFlight.incrementAndGet(), Math::max);
		try {
			Thread.sleep(this.answerMs);
			return answer(request);
		}
		finally {
			this.inFlight.decrementAndGet();
		}
	}

	private MockResponse answer(RecordedRequest request) {
		long skip = Long.parseLong(request.getUrl().queryParameter("skip"));
		int limit = Math.min(Integer.parseInt(request.getUrl().queryParameter("limit")), this.maxLimit);
		this.skips.add(skip);
		List<String> items = new ArrayList<>();
		long position = 0;
		for (long i = 0; i < this.users && items.size() < limit; i++) {
			if (!this.removed.contains(i) && position++ >= skip) {
				items.add("{\"mobile\":\"" + mobile(i) + "\",\"name\":\"user " + i + "\",\"english_name\":null}");
			}
		}
		long total = this.users - this.removed.size();
		long reported = this.totalAt.getOrDefault(skip, this.reportedTotal.applyAsLong(total));
		String body = "{\"total\":" + reported + ",\"items\":[" + String.join(",", items) + "]}";
		Runnable change = this.afterServing.remove(skip);
		if (change != null) {
			change.run();
		}
		return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json").body(body).build();
	}

}
