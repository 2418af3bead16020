package dev.uapsync.uap;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.batch.infrastructure.item.ExecutionContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link UapUserReader} against a local HTTP server.
 */
class UapUserReaderTests {

	private final MockWebServer server = new MockWebServer();

	private UapClient client;

	@BeforeEach
	void start() throws IOException {
		this.server.start(InetAddress.getLoopbackAddress(), 0);
		this.client = new UapClient("http://127.0.0.1:" + this.server.getPort() + "/api/v1",
				AccessToken.resolve("token", null), Duration.ofSeconds(2), Duration.ofSeconds(2));
	}

	@AfterEach
	void stop() {
		this.server.close();
	}

	@Test
	void readsEveryUserInOrderAcrossPages() {
		UapStub uap = serve(new UapStub(10, 100));

		List<UapUser> users = readAll(reader(4), new ExecutionContext());

		assertThat(users).extracting(UapUser::mobile).containsExactlyElementsOf(mobiles(0, 10));
		assertThat(users).extracting(UapUser::offset).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
		assertThat(uap.skips).containsExactly(0L, 4L, 8L);
	}

	@Test
	void shortPageFromAServerThatClampsTheLimitIsNotTheEnd() {
		UapStub uap = serve(new UapStub(10, 3));

		List<UapUser> users = readAll(reader(5), new ExecutionContext());

		assertThat(users).extracting(UapUser::mobile).containsExactlyElementsOf(mobiles(0, 10));
		assertThat(uap.skips).containsExactly(0L, 3L, 6L, 9L);
	}

	@Test
	void emptyPageEndsTheReadEvenWhenTotalSaysMore() {
		UapStub uap = serve(new UapStub(5, 100));
		uap.reportTotal((total) -> total + 3);

		List<UapUser> users = readAll(reader(2), new ExecutionContext());

		assertThat(users).hasSize(5);
		assertThat(uap.skips).containsExactly(0L, 2L, 4L, 5L);
	}

	@Test
	void offsetReachingTotalEndsTheReadWithoutAnotherRequest() {
		UapStub uap = serve(new UapStub(6, 100));

		readAll(reader(3), new ExecutionContext());

		assertThat(uap.skips).containsExactly(0L, 3L);
	}

	@Test
	void emptyUapEndsAfterOneRequest() {
		UapStub uap = serve(new UapStub(0, 100));
		UapUserReader reader = reader(3);

		List<UapUser> users = readAll(reader, new ExecutionContext());

		assertThat(users).isEmpty();
		assertThat(uap.skips).containsExactly(0L);
		assertThat(reader.firstTotal()).isZero();
	}

	@Test
	void remembersTheTotalAsFirstAndAsLastSeen() {
		UapStub uap = serve(new UapStub(6, 100));
		UapUserReader reader = reader(2);
		reader.open(new ExecutionContext());
		reader.read();
		reader.read();
		uap.users(9);

		List<UapUser> rest = new ArrayList<>();
		for (UapUser user = reader.read(); user != null; user = reader.read()) {
			rest.add(user);
		}

		assertThat(reader.firstTotal()).isEqualTo(6);
		assertThat(reader.lastTotal()).isEqualTo(9);
		assertThat(rest).hasSize(7);
	}

	@Test
	void updateSavesTheOffsetOfTheNextUserNotOfTheNextPage() {
		serve(new UapStub(10, 100));
		UapUserReader reader = reader(4);
		reader.open(new ExecutionContext());
		for (int i = 0; i < 5; i++) {
			reader.read();
		}
		ExecutionContext saved = new ExecutionContext();

		reader.update(saved);

		assertThat(saved.getLong(UapUserReader.OFFSET_KEY)).isEqualTo(5);
		assertThat(saved.getLong(UapUserReader.FIRST_TOTAL_KEY)).isEqualTo(10);
		assertThat(saved.getLong(UapUserReader.LAST_TOTAL_KEY)).isEqualTo(10);
	}

	@Test
	void restartFromASavedContextResumesAtTheSavedOffsetInTheMiddleOfAPage() {
		UapStub uap = serve(new UapStub(10, 100));
		UapUserReader first = reader(4);
		first.open(new ExecutionContext());
		for (int i = 0; i < 5; i++) {
			first.read();
		}
		ExecutionContext saved = new ExecutionContext();
		first.update(saved);
		first.close();
		uap.skips.clear();

		UapUserReader restarted = reader(4);
		List<UapUser> users = readAll(restarted, saved);

		assertThat(users).extracting(UapUser::mobile).containsExactlyElementsOf(mobiles(5, 10));
		assertThat(uap.skips).containsExactly(5L, 9L);
		assertThat(restarted.startOffset()).isEqualTo(5);
		assertThat(restarted.firstTotal()).isEqualTo(10);
	}

	@Test
	void concurrentReadsHandOutEveryUserInOrderFromAClampingServer() {
		UapStub uap = serve(new UapStub(50, 3));

		List<UapUser> users = readAll(reader(5, 4), new ExecutionContext());

		assertThat(users).extracting(UapUser::mobile).containsExactlyElementsOf(mobiles(0, 50));
		assertThat(users).extracting(UapUser::offset).isSorted().doesNotHaveDuplicates();
		assertThat(uap.skips).contains(0L, 3L, 48L);
	}

	@Test
	void concurrentReadsResumeAtTheSavedOffset() {
		UapStub uap = serve(new UapStub(40, 100));
		UapUserReader first = reader(4, 4);
		first.open(new ExecutionContext());
		for (int i = 0; i < 13; i++) {
			first.read();
		}
		ExecutionContext saved = new ExecutionContext();
		first.update(saved);
		first.close();
		uap.skips.clear();

		List<UapUser> users = readAll(reader(4, 4), saved);

		assertThat(users).extracting(UapUser::mobile).containsExactlyElementsOf(mobiles(13, 40));
		// a guess of the first reader may still reach the server late, but never below 13
		assertThat(Collections.min(uap.skips)).isEqualTo(13L);
	}

	@Test
	void aPageThatFailsFailsWhenItsTurnComesAfterTheUsersBeforeIt() {
		serve(new UapStub(30, 100) {
			@Override
			public MockResponse dispatch(RecordedRequest request) {
				return "20".equals(request.getUrl().queryParameter("skip"))
						? new MockResponse.Builder().code(401).body("{\"detail\":\"no\"}").build()
						: super.dispatch(request);
			}
		});
		UapUserReader reader = reader(5, 4);
		reader.open(new ExecutionContext());
		List<UapUser> before = new ArrayList<>();

		assertThatExceptionOfType(UapException.class).isThrownBy(() -> {
			for (UapUser user = reader.read(); user != null; user = reader.read()) {
				before.add(user);
			}
		}).withMessageContaining("offset 20");
		reader.close();
		assertThat(before).extracting(UapUser::mobile).containsExactlyElementsOf(mobiles(0, 20));
	}

	private UapStub serve(UapStub uap) {
		this.server.setDispatcher(uap);
		return uap;
	}

	private UapUserReader reader(int pageSize, int concurrency) {
		return new UapUserReader(new PageFetcher(this.client, 1, Duration.ofMillis(1), Duration.ofMillis(1), 1,
				Duration.ZERO, () -> false, new RequestPacer(0)), pageSize, concurrency);
	}

	private UapUserReader reader(int pageSize) {
		return new UapUserReader(new PageFetcher(this.client, 1, Duration.ofMillis(1), Duration.ofMillis(1), 1,
				Duration.ZERO, () -> false, new RequestPacer(0)), pageSize);
	}

	private static List<UapUser> readAll(UapUserReader reader, ExecutionContext context) {
		reader.open(context);
		List<UapUser> users = new ArrayList<>();
		for (UapUser user = reader.read(); user != null; user = reader.read()) {
			users.add(user);
		}
		reader.update(context);
		reader.close();
		return users;
	}

	private static List<String> mobiles(int from, int to) {
		List<String> mobiles = new ArrayList<>();
		for (int i = from; i < to; i++) {
			mobiles.add(UapStub.mobile(i));
		}
		return mobiles;
	}

}
