package dev.uapsync.uap;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.batch.core.job.JobInterruptedException;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link UapUserReader} against a local HTTP server.
 */
@ExtendWith(OutputCaptureExtension.class)
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
	void stop() throws Exception {
		this.server.close();
	}

	@Test
	void readsEveryUserInOrderAcrossPages() throws Exception {
		UapStub uap = serve(new UapStub(10, 100));

		List<UapUser> users = readAll(reader(4), new ExecutionContext());

		assertThat(users).extracting(UapUser::mobile).containsExactlyElementsOf(mobiles(0, 10));
		assertThat(users).extracting(UapUser::offset).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
		assertThat(uap.skips).as("each page after the first begins with the last user of the one before")
			.containsExactly(0L, 3L, 6L);
	}

	@Test
	void aStopAskedForEndsTheReadAtTheNextPageBoundaryWithoutAskingForThatPage() throws Exception {
		UapStub uap = serve(new UapStub(10, 100));
		AtomicBoolean stop = new AtomicBoolean();
		UapUserReader reader = new UapUserReader(fetcher(), 4, 1, stop::get);
		reader.open(new ExecutionContext());
		assertThat(reader.read()).extracting(UapUser::offset).isEqualTo(0L);
		stop.set(true);

		// the rest of the page in hand is still handed out
		assertThat(reader.read()).extracting(UapUser::offset).isEqualTo(1L);
		assertThat(reader.read()).extracting(UapUser::offset).isEqualTo(2L);
		assertThat(reader.read()).extracting(UapUser::offset).isEqualTo(3L);
		assertThatExceptionOfType(JobInterruptedException.class).isThrownBy(reader::read)
			.withMessageContaining("shutdown signal");
		reader.close();
		// the second page (asked for at 3) was in flight; the third (at 6) never is
		assertThat(uap.skips).as("pages asked for").allMatch((skip) -> skip < 6);
	}

	@Test
	void aStopAskedForOnceTheLastUserIsReadStillEndsTheReadNormally() throws Exception {
		serve(new UapStub(10, 100));
		AtomicBoolean stop = new AtomicBoolean();
		UapUserReader reader = new UapUserReader(fetcher(), 4, 1, stop::get);
		reader.open(new ExecutionContext());
		List<Long> offsets = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			offsets.add(reader.read().offset());
		}
		stop.set(true);

		// the offset has reached the total: the end, not an interruption that would roll
		// the last chunk back
		assertThat(reader.read()).isNull();
		reader.close();
		assertThat(offsets).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
	}

	@Test
	void shortPageFromAServerThatClampsTheLimitIsNotTheEnd() throws Exception {
		UapStub uap = serve(new UapStub(10, 3));

		List<UapUser> users = readAll(reader(5), new ExecutionContext());

		assertThat(users).extracting(UapUser::mobile).containsExactlyElementsOf(mobiles(0, 10));
		assertThat(uap.skips).containsExactly(0L, 2L, 4L, 6L, 8L);
	}

	@Test
	void aPageWithNoUserAfterTheOverlapEndsTheReadEvenWhenTotalSaysMore() throws Exception {
		UapStub uap = serve(new UapStub(5, 100));
		uap.reportTotal((total) -> total + 3);

		List<UapUser> users = readAll(reader(2), new ExecutionContext());

		assertThat(users).extracting(UapUser::mobile).containsExactlyElementsOf(mobiles(0, 5));
		assertThat(uap.skips).containsExactly(0L, 1L, 2L, 3L, 4L);
	}

	@Test
	void offsetReachingTotalEndsTheReadWithoutAnotherRequest() throws Exception {
		UapStub uap = serve(new UapStub(6, 100));

		readAll(reader(3), new ExecutionContext());

		assertThat(uap.skips).containsExactly(0L, 2L, 4L);
	}

	@Test
	void emptyUapEndsAfterOneRequest() throws Exception {
		UapStub uap = serve(new UapStub(0, 100));
		UapUserReader reader = reader(3);

		List<UapUser> users = readAll(reader, new ExecutionContext());

		assertThat(users).isEmpty();
		assertThat(uap.skips).containsExactly(0L);
		assertThat(reader.firstTotal()).isZero();
	}

	@Test
	void remembersTheTotalAsFirstAndAsLastSeen() throws Exception {
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
	void updateSavesTheOffsetOfTheNextUserNotOfTheNextPage() throws Exception {
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
	void restartFromASavedContextResumesAtTheSavedOffsetInTheMiddleOfAPage() throws Exception {
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
		assertThat(uap.skips).containsExactly(4L, 7L);
		assertThat(restarted.startOffset()).isEqualTo(5);
		assertThat(restarted.firstTotal()).isEqualTo(10);
		assertThat(saved.getLong(UapUserReader.SHIFTED_AT_KEY)).as("the saved last user matched").isEqualTo(-1);
	}

	@Test
	void aUapServingOneUserAPageFailsTheReadSayingSo() throws Exception {
		serve(new UapStub(10, 1));
		UapUserReader reader = reader(4);
		reader.open(new ExecutionContext());

		assertThatExceptionOfType(UapException.class).isThrownBy(reader::read)
			.withMessageContaining("The UAP sent one user for the page at offset 0 (limit 4) although its total is 10")
			.withMessageContaining("if it serves one user a page, the sync cannot read it");
		reader.close();
	}

	@Test
	void aRestartFromAStateSavedWithoutTheLastUserReadsOnButNotesTheUncheckedBoundary(CapturedOutput output)
			throws Exception {
		UapStub uap = serve(new UapStub(10, 100));
		ExecutionContext saved = new ExecutionContext();
		// as an earlier version saved it: no fingerprint of the last user
		saved.putLong(UapUserReader.OFFSET_KEY, 5);
		saved.putLong(UapUserReader.FIRST_TOTAL_KEY, 10);
		saved.putLong(UapUserReader.LAST_TOTAL_KEY, 10);

		UapUserReader reader = reader(4);
		List<UapUser> users = readAll(reader, saved);

		assertThat(users).extracting(UapUser::mobile).containsExactlyElementsOf(mobiles(5, 10));
		assertThat(uap.skips).containsExactly(4L, 7L);
		assertThat(saved.getLong(UapUserReader.UNCHECKED_AT_KEY)).isEqualTo(5);
		assertThat(saved.getLong(UapUserReader.SHIFTED_AT_KEY)).isEqualTo(-1);
		assertThat(output).contains("the page at offset 4 cannot be checked");
	}

	@Test
	void pagesFetchedAheadAndDiscardedAreNotRetriedNorWarnedOf(CapturedOutput output) throws Exception {
		serve(new UapStub(30, 3) {
			@Override
			public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
				if (!"0".equals(request.getUrl().queryParameter("skip"))) {
					// the guesses sent beside the first page are still under way when its
					// short answer discards them
					Thread.sleep(300);
				}
				return super.dispatch(request);
			}
		});
		// three attempts a page: a cancelled guess used to be retried, with a warning
		UapUserReader reader = new UapUserReader(new PageFetcher(this.client, 3, Duration.ofMillis(50),
				Duration.ofMillis(50), 1, Duration.ZERO, () -> false, new RequestPacer(0)), 10, 4, () -> false);

		List<UapUser> users = readAll(reader, new ExecutionContext());

		assertThat(users).extracting(UapUser::mobile).containsExactlyElementsOf(mobiles(0, 30));
		assertThat(output).doesNotContain("Retrying");
	}

	@Test
	void theNextPageIsRequestedWhileThePageBeforeIsStillBeingRead() throws Exception {
		serve(new UapStub(10, 100));
		UapUserReader reader = reader(4);
		reader.open(new ExecutionContext());

		UapUser first = reader.read();

		assertThat(first.offset()).isZero();
		assertThat(this.server.takeRequest(5, TimeUnit.SECONDS).getUrl().queryParameter("skip")).isEqualTo("0");
		RecordedRequest ahead = this.server.takeRequest(5, TimeUnit.SECONDS);
		assertThat(ahead).as("the request for the next page, sent before the reader needs it").isNotNull();
		assertThat(ahead.getUrl().queryParameter("skip")).isEqualTo("3");
		reader.close();
	}

	@Test
	void withAConcurrencyOfOneTheUapGetsOneRequestAtATime() throws Exception {
		UapStub uap = serve(new UapStub(30, 100));
		uap.answerMs(20);

		List<UapUser> users = readAll(reader(4), new ExecutionContext());

		assertThat(users).extracting(UapUser::mobile).containsExactlyElementsOf(mobiles(0, 30));
		assertThat(uap.mostInFlight).hasValue(1);
	}

	@Test
	void withAConcurrencyOfFourTheUapGetsSeveralRequestsAtOnce() throws Exception {
		UapStub uap = serve(new UapStub(30, 100));
		uap.answerMs(20);

		List<UapUser> users = readAll(reader(4, 4), new ExecutionContext());

		assertThat(users).extracting(UapUser::mobile).containsExactlyElementsOf(mobiles(0, 30));
		assertThat(uap.mostInFlight.get()).isBetween(2, 4);
	}

	@Test
	void concurrentReadsHandOutEveryUserInOrderFromAClampingServer() throws Exception {
		UapStub uap = serve(new UapStub(50, 3));

		List<UapUser> users = readAll(reader(5, 4), new ExecutionContext());

		assertThat(users).extracting(UapUser::mobile).containsExactlyElementsOf(mobiles(0, 50));
		assertThat(users).extracting(UapUser::offset).isSorted().doesNotHaveDuplicates();
		assertThat(uap.skips).contains(0L, 2L, 48L);
	}

	@Test
	void concurrentReadsResumeAtTheSavedOffset() throws Exception {
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
		// a guess of the first reader may still reach the server late, but never
		// below 12, where the page overlapping user 12 begins
		assertThat(Collections.min(uap.skips)).isEqualTo(12L);
		assertThat(saved.getLong(UapUserReader.SHIFTED_AT_KEY)).isEqualTo(-1);
	}

	@Test
	void aPageThatFailsFailsWhenItsTurnComesAfterTheUsersBeforeIt() throws Exception {
		serve(new UapStub(30, 100) {
			@Override
			public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
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
		assertThat(before).extracting(UapUser::mobile).containsExactlyElementsOf(mobiles(0, 21));
	}

	@Test
	void aUserRemovedBeforeAPageBoundaryIsNotedAsAShiftAndNobodySlipsPast() throws Exception {
		UapStub uap = serve(new UapStub(10, 100));
		// once the first page is served, one user is removed at the front and one added
		// at the end: the total stays 10
		uap.afterServing.put(0L, () -> {
			uap.remove(0);
			uap.users(11);
		});
		ExecutionContext saved = new ExecutionContext();

		List<UapUser> users = readAll(reader(4), saved);

		assertThat(users).extracting(UapUser::mobile).containsExactlyElementsOf(mobiles(0, 11));
		assertThat(saved.getLong(UapUserReader.FIRST_TOTAL_KEY)).isEqualTo(10);
		assertThat(saved.getLong(UapUserReader.LAST_TOTAL_KEY)).isEqualTo(10);
		assertThat(saved.getLong(UapUserReader.SHIFTED_AT_KEY)).isEqualTo(4);
		assertThat(saved.getLong(UapUserReader.OFFSET_KEY)).isEqualTo(10);
	}

	@Test
	void aUserAddedBeforeAPageBoundaryIsNotedAsAShiftAndItsNeighbourHandedOutAgain() throws Exception {
		UapStub uap = serve(new UapStub(10, 100));
		uap.remove(1);
		uap.afterServing.put(0L, () -> uap.restore(1));
		ExecutionContext saved = new ExecutionContext();

		List<UapUser> users = readAll(reader(4), saved);

		// user 1 came back behind the reader: the next pass sees it
		List<String> listedThroughout = mobiles(0, 10);
		listedThroughout.remove(UapStub.mobile(1));
		assertThat(users).extracting(UapUser::mobile).containsAll(listedThroughout);
		assertThat(users).extracting(UapUser::mobile).filteredOn(UapStub.mobile(4)::equals).hasSize(2);
		assertThat(saved.getLong(UapUserReader.SHIFTED_AT_KEY)).isEqualTo(4);
	}

	@Test
	void aPageFetchedAheadThatReportsAnotherTotalIsNotedThoughTheFirstAndLastAgree() throws Exception {
		UapStub uap = serve(new UapStub(20, 100));
		// pages of 4 are asked for at 0, 3, 6, 9, 12, 15 and 18
		uap.totalAt.put(6L, 21L);
		ExecutionContext context = new ExecutionContext();

		List<UapUser> users = readAll(reader(4, 4), context);

		assertThat(users).extracting(UapUser::mobile).containsExactlyElementsOf(mobiles(0, 20));
		assertThat(context.getLong(UapUserReader.FIRST_TOTAL_KEY)).isEqualTo(20);
		assertThat(context.getLong(UapUserReader.LAST_TOTAL_KEY)).isEqualTo(20);
		assertThat(context.getLong(UapUserReader.TOTAL_CHANGED_KEY)).isEqualTo(1);
	}

	@Test
	void pagesThatMeetAsExpectedNoteNoShift() throws Exception {
		serve(new UapStub(25, 100));
		ExecutionContext context = new ExecutionContext();

		readAll(reader(4), context);

		assertThat(context.getLong(UapUserReader.SHIFTED_AT_KEY)).isEqualTo(-1);
		assertThat(context.getString(UapUserReader.LAST_USER_KEY)).isEqualTo(UapUserReader.fingerprint(lastUserOf(25)))
			.doesNotContain(UapStub.mobile(24));
	}

	private UapUser lastUserOf(int users) throws Exception {
		UapStub uap = serve(new UapStub(users, 100));
		List<UapUser> all = readAll(reader(100), new ExecutionContext());
		uap.skips.clear();
		return all.get(all.size() - 1);
	}

	private UapStub serve(UapStub uap) {
		this.server.setDispatcher(uap);
		return uap;
	}

	private UapUserReader reader(int pageSize, int concurrency) {
		return new UapUserReader(fetcher(), pageSize, concurrency, () -> false);
	}

	private UapUserReader reader(int pageSize) {
		return new UapUserReader(fetcher(), pageSize);
	}

	private PageFetcher fetcher() {
		return new PageFetcher(this.client, 1, Duration.ofMillis(1), Duration.ofMillis(1), 1, Duration.ZERO,
				() -> false, new RequestPacer(0));
	}

	private static List<UapUser> readAll(UapUserReader reader, ExecutionContext context) throws Exception {
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
