package dev.uapsync.uap;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongUnaryOperator;

import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;

/**
 * A scripted UAP for {@link mockwebserver3.MockWebServer}: serves users
 * {@code 13800000000 + i} from a list whose size may change between requests, clamps
 * {@code limit}, and records every {@code skip} asked for.
 */
class UapStub extends Dispatcher {

	private volatile int users;

	private final int maxLimit;

	private volatile LongUnaryOperator reportedTotal = (total) -> total;

	final List<Long> skips = new CopyOnWriteArrayList<>();

	UapStub(int users, int maxLimit) {
		this.users = users;
		this.maxLimit = maxLimit;
	}

	void users(int users) {
		this.users = users;
	}

	void reportTotal(LongUnaryOperator reportedTotal) {
		this.reportedTotal = reportedTotal;
	}

	static String mobile(long index) {
		return String.valueOf(13800000000L + index);
	}

	@Override
	public MockResponse dispatch(RecordedRequest request) {
		long skip = Long.parseLong(request.getUrl().queryParameter("skip"));
		int limit = Math.min(Integer.parseInt(request.getUrl().queryParameter("limit")), this.maxLimit);
		this.skips.add(skip);
		List<String> items = new ArrayList<>();
		for (long i = skip; i < Math.min(this.users, skip + limit); i++) {
			items.add("{\"mobile\":\"" + mobile(i) + "\",\"name\":\"user " + i + "\",\"english_name\":null}");
		}
		String body = "{\"total\":" + this.reportedTotal.applyAsLong(this.users) + ",\"items\":["
				+ String.join(",", items) + "]}";
		return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json").body(body).build();
	}

}
