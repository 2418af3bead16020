package dev.uapsync.uap;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link PageFetcher}: which failures are retried, how often, and how long it
 * waits, against a local HTTP server.
 */
@ExtendWith(OutputCaptureExtension.class)
class PageFetcherTests {

	private static final String PAGE = "{\"total\":1,\"items\":[{\"mobile\":\"13800138000\"}]}";

	private final MockWebServer server = new MockWebServer();

	private UapClient client;

	private volatile boolean stopping;

	@BeforeEach
	void start() throws IOException {
		this.server.start(InetAddress.getLoopbackAddress(), 0);
		this.client = new UapClient("http://127.0.0.1:" + this.server.getPort() + "/api/v1",
				AccessToken.resolve("token", null), Duration.ofSeconds(1), Duration.ofMillis(300));
	}

	@AfterEach
	void stop() {
		this.server.close();
	}

	private PageFetcher fetcher(int maxAttempts) {
		return new PageFetcher(this.client, maxAttempts, Duration.ofMillis(10), Duration.ofMillis(40), 2,
				Duration.ofSeconds(5), () -> this.stopping, new RequestPacer(0));
	}

	@Test
	void serverErrorsAreRetriedUntilThePageComes(CapturedOutput output) {
		answer(500, "<html>oops</html>");
		answer(502, "<html>bad gateway</html>");
		answer(503, "");
		answer(200, PAGE);

		UapPage page = fetcher(5).fetch(300, 100);

		assertThat(page.users()).hasSize(1);
		assertThat(this.server.getRequestCount()).isEqualTo(4);
		assertThat(output.getOut()).contains("Retrying the page at offset 300 in")
			.contains("(attempt 2 of 5): UAP failed the page at offset 300 (limit 100) with HTTP 500")
			.contains("(attempt 4 of 5)");
	}

	@Test
	void retriesWaitForTheirTurnUnderTheRateLimit() {
		List<Long> waits = new ArrayList<>();
		long[] clock = { 0 };
		RequestPacer pacer = new RequestPacer(5, () -> clock[0], (nanos) -> {
			waits.add(nanos);
			clock[0] += nanos;
		});
		answer(503, "busy");
		answer(200, PAGE);

		new PageFetcher(this.client, 3, Duration.ofMillis(1), Duration.ofMillis(1), 1, Duration.ofSeconds(5),
				() -> false, pacer)
			.fetch(0, 100);

		assertThat(waits).containsExactly(200_000_000L);
		assertThat(this.server.getRequestCount()).isEqualTo(2);
	}

	@Test
	void requestTimeoutIsRetried() {
		answer(408, "");
		answer(200, PAGE);

		assertThat(fetcher(3).fetch(0, 100).users()).hasSize(1);
		assertThat(this.server.getRequestCount()).isEqualTo(2);
	}

	@Test
	void malformedBodiesAreRetried() {
		answer(200, "<html>proxy error</html>");
		answer(200, "{\"total\":1,\"items\":[{\"mob");
		answer(200, "{\"total\":1}");
		answer(200, PAGE);

		assertThat(fetcher(5).fetch(0, 100).users()).hasSize(1);
		assertThat(this.server.getRequestCount()).isEqualTo(4);
	}

	@Test
	void answerSlowerThanTheReadTimeoutIsRetried() {
		this.server.enqueue(new MockResponse.Builder().code(200).body(PAGE).headersDelay(2, TimeUnit.SECONDS).build());
		answer(200, PAGE);

		assertThat(fetcher(3).fetch(0, 100).users()).hasSize(1);
		assertThat(this.server.getRequestCount()).isEqualTo(2);
	}

	@Test
	void tooManyRequestsWaitsAsRetryAfterSays(CapturedOutput output) {
		this.server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "1").build());
		answer(200, PAGE);

		assertThat(fetcher(3).fetch(0, 100).users()).hasSize(1);
		assertThat(output.getOut()).contains("Retrying the page at offset 0 in 1000 ms (attempt 2 of 3)")
			.contains("HTTP 429");
	}

	@Test
	void serviceUnavailableWaitsAsRetryAfterSaysToo(CapturedOutput output) {
		this.server.enqueue(new MockResponse.Builder().code(503).addHeader("Retry-After", "1").body("down").build());
		answer(200, PAGE);

		assertThat(fetcher(3).fetch(0, 100).users()).hasSize(1);
		assertThat(output.getOut()).contains("Retrying the page at offset 0 in 1000 ms (attempt 2 of 3)")
			.contains("HTTP 503, asking to wait 1000 ms: down");
	}

	@Test
	void rejectedTokenIsNotRetried() {
		answer(401, "{\"detail\":\"bad token\"}");
		answer(200, PAGE);

		assertThatExceptionOfType(UapException.class).isThrownBy(() -> fetcher(5).fetch(0, 100))
			.withMessageStartingWith("UAP rejected the access token (HTTP 401)");
		assertThat(this.server.getRequestCount()).isEqualTo(1);
	}

	@Test
	void unprocessableLimitIsNotRetried() {
		answer(422, "{\"detail\":[{\"msg\":\"ensure this value is less than or equal to 500\"}]}");

		assertThatExceptionOfType(UapException.class).isThrownBy(() -> fetcher(5).fetch(0, 1000))
			.withMessageContaining("UAP_PAGE_SIZE");
		assertThat(this.server.getRequestCount()).isEqualTo(1);
	}

	@Test
	void persistentFailureGivesUpAfterTheLastAttemptNamingTheCause() {
		for (int i = 0; i < 3; i++) {
			answer(503, "busy");
		}

		assertThatExceptionOfType(UapException.class).isThrownBy(() -> fetcher(3).fetch(700, 100))
			.withMessageStartingWith("Gave up after 3 attempts: UAP failed the page at offset 700")
			.withMessageContaining("HTTP 503");
		assertThat(this.server.getRequestCount()).isEqualTo(3);
	}

	@Test
	void unreachableUapIsRetriedThenNamed() throws IOException {
		int port = this.server.getPort();
		this.server.close();
		UapClient unreachable = new UapClient("http://127.0.0.1:" + port + "/api/v1", AccessToken.resolve("t", null),
				Duration.ofMillis(200), Duration.ofMillis(200));

		assertThatExceptionOfType(UapException.class)
			.isThrownBy(() -> new PageFetcher(unreachable, 2, Duration.ofMillis(1), Duration.ofMillis(1), 1,
					Duration.ofSeconds(5), () -> false, new RequestPacer(0))
				.fetch(0, 100))
			.withMessageStartingWith("Gave up after 2 attempts: Cannot reach the UAP at 127.0.0.1:" + port);
	}

	@Test
	void retryAfterLongerThanAllowedFailsThePageAtOnce() {
		this.server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "3600").build());
		answer(200, PAGE);

		assertThatExceptionOfType(UapException.class).isThrownBy(() -> fetcher(5).fetch(0, 100))
			.withMessageStartingWith("The UAP asked to wait 3600 s before the next request, "
					+ "longer than UAP_RETRY_MAX_RETRY_AFTER=5 s allows");
		assertThat(this.server.getRequestCount()).isEqualTo(1);
	}

	@Test
	void aRetryAfterBeyondAnyNumberIsReadAsAVeryLongWaitNotAnError() {
		this.server
			.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "99999999999999999999999").build());

		assertThatExceptionOfType(UapException.class).isThrownBy(() -> fetcher(5).fetch(0, 100))
			.withMessageContaining("longer than UAP_RETRY_MAX_RETRY_AFTER");
	}

	@Test
	void noRetryWaitsOnceTheSyncIsStopping() {
		answer(503, "busy");
		answer(200, PAGE);
		this.stopping = true;

		assertThatExceptionOfType(UapException.class).isThrownBy(() -> fetcher(5).fetch(100, 100))
			.withMessageStartingWith("Stopped before retrying the page at offset 100 (shutdown signal)");
		assertThat(this.server.getRequestCount()).isEqualTo(1);
	}

	@Test
	void aStopAskedForDuringARetryAfterWaitEndsTheWaitAndSendsNoOtherRequest() throws Exception {
		this.server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "4").build());
		answer(200, PAGE);
		CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> this.stopping = true,
				CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS));
		long start = System.nanoTime();

		assertThatExceptionOfType(UapException.class).isThrownBy(() -> fetcher(5).fetch(100, 100))
			.withMessageStartingWith("Stopped while waiting to retry the page at offset 100 (shutdown signal)");

		stop.get();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).as("ended well before the 4 s asked for")
			.isLessThan(Duration.ofSeconds(2));
		assertThat(this.server.getRequestCount()).isEqualTo(1);
	}

	private void answer(int status, String body) {
		this.server.enqueue(new MockResponse.Builder().code(status).body(body).build());
	}

}
